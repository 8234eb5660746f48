// Unit tests of the runner's parts that need no server: the summary count, the feature probe's
// verdicts, and the settings a homeserver is launched with.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { describeMissing, fillPath, notBuiltReason } from "../lib/probe.mjs";
import { homeserverSettings } from "./homeserver.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

test("the summary reporter counts leaf tests, and a parent's own failure", (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "summary-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const summaryFile = path.join(dir, "summary.json");
    // NODE_TEST_CONTEXT would make the inner run report to this one instead of to its reporters.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, [
        "--test", "--test-reporter=tap", "--test-reporter-destination=/dev/null",
        `--test-reporter=${path.join(here, "summary-reporter.mjs")}`, "--test-reporter-destination=/dev/null",
        path.join(here, "fixtures", "mixed.fixture.mjs"),
    ], { env: { ...env, SPEC_SUMMARY_FILE: summaryFile }, encoding: "utf8" });
    assert.equal(run.status, 1, "the fixture has failures");
    assert.deepEqual(JSON.parse(readFileSync(summaryFile, "utf8")), { passed: 3, failed: 3, skipped: 2 });
});

test("a feature is missing on 404/405 M_UNRECOGNIZED or an empty 404, and present otherwise", () => {
    assert.equal(notBuiltReason(404, '{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}'), "404 M_UNRECOGNIZED");
    assert.equal(notBuiltReason(405, '{"errcode":"M_UNRECOGNIZED"}'), "405 M_UNRECOGNIZED");
    assert.equal(notBuiltReason(404, ""), "404 with an empty body (no route)");
    assert.equal(notBuiltReason(404, '{"errcode":"M_NOT_FOUND"}'), null, "a handler said not found: the route exists");
    assert.equal(notBuiltReason(401, '{"errcode":"M_MISSING_TOKEN"}'), null);
    assert.equal(notBuiltReason(400, ""), null);
});

test("probe paths fill parameters with harmless samples, escaped", () => {
    assert.equal(fillPath("/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}"),
        "/_matrix/client/v3/rooms/!probe%3Ainvalid/send/probe/probe");
    assert.equal(describeMissing({ feature: "typing", method: "PUT", path: "/t", why: "404 M_UNRECOGNIZED" }),
        "not built: typing (PUT /t: 404 M_UNRECOGNIZED)");
});

test("a homeserver is launched on loopback with open registration and its own data", () => {
    const settings = homeserverSettings({
        label: "hs1", dll: "x.dll", serverName: "hs1.localhost", dataDir: "/tmp/d", clientPort: 8008,
        routeHitsFile: "/tmp/hits/hs1.txt",
        federation: { port: 8448, caPath: "/p/ca.pem", certPath: "/p/hs1.crt", keyPath: "/p/hs1.key",
            overrides: { "hs2.localhost": "127.0.0.1:9448" } },
    });
    assert.equal(settings["Homeserver:Listeners:Client:Url"], "http://127.0.0.1:8008");
    assert.equal(settings["Homeserver:Listeners:Federation:Url"], "https://127.0.0.1:8448");
    assert.equal(settings["Homeserver:Database:Provider"], "Sqlite");
    assert.equal(settings["Homeserver:Database:ConnectionString"], "Data Source=/tmp/d/homeserver.db");
    assert.equal(settings["Homeserver:Registration:Mode"], "Open");
    assert.equal(settings["Homeserver:Diagnostics:RouteHitsFile"], "/tmp/hits/hs1.txt");
    assert.equal(settings["Homeserver:Federation:ResolverOverrides:hs2.localhost"], "127.0.0.1:9448");
    assert.equal(settings["Homeserver:Listeners:Federation:CertificatePath"], "/p/hs1.crt");

    const pg = homeserverSettings({ label: "hs1", serverName: "a", dataDir: "/d", clientPort: 1, postgres: "Host=db" });
    assert.equal(pg["Homeserver:Database:Provider"], "Postgres");
    assert.equal(pg["Homeserver:Database:ConnectionString"], "Host=db");
    assert.equal(pg["Homeserver:Federation:Enabled"], "false");
});
