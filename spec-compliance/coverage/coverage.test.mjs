// Unit tests of the spec coverage generator on a hand-made spec, route table and hits.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { computeCoverage, renderReport } from "./report.mjs";
import { pathMatches } from "./routes.mjs";
import { listRoutesFromServer, loadHits, parseHits, parseRouteTable } from "./sources.mjs";
import { APIS, loadApiEndpoints, specVersion } from "./spec.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "fixtures");
const specDir = path.join(fixtures, "spec");
const routesFile = path.join(fixtures, "routes.json");
const hitsDir = path.join(fixtures, "hits");

function fixtureReport(routes) {
    const apis = APIS.map((api) => ({ ...api, endpoints: loadApiEndpoints(specDir, api.id) }));
    return renderReport(computeCoverage(apis, routes, loadHits([hitsDir])), { specVersion: specVersion(specDir) });
}

test("endpoints carry the servers basePath and leave deprecated operations out", () => {
    const endpoints = loadApiEndpoints(specDir, "client-server").map((e) => `${e.method} ${e.path}`);
    assert.deepEqual(endpoints, [
        "GET /_matrix/client/v3/pushrules/",
        "GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
        "PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
        "GET /_matrix/client/versions",
    ]);
    assert.equal(specVersion(specDir), "v1.10", "the newest changelog, compared as numbers");
});

test("paths match whatever the parameters are called", () => {
    assert.ok(pathMatches("/_matrix/client/v3/rooms/{roomId}/state", "/_matrix/client/v3/rooms/{id}/state"));
    assert.ok(pathMatches("/_matrix/client/v3/Login", "/_matrix/client/v3/login"), "literals are case-insensitive");
    assert.ok(!pathMatches("/_matrix/client/v3/rooms/{roomId}/state", "/_matrix/client/v3/rooms/{roomId}"));
    assert.ok(!pathMatches("/_matrix/client/v3/rooms/{roomId}", "/_matrix/client/v3/rooms/{roomId}/state"));
    assert.ok(!pathMatches("/_matrix/client/v3/rooms/{roomId}", "/_matrix/client/v3/rooms/joined"));
    assert.ok(!pathMatches("/_matrix/client/v3/joined_rooms", "/_matrix/client/v3/{anything}"),
        "an unconstrained parameter does not claim a spec literal");
});

test("regex constraints, optional parameters, catch-alls and trailing slashes follow ASP.NET routing", () => {
    assert.ok(pathMatches("/_matrix/client/v3/login", "/_matrix/client/{v:regex(^(r0|v3)$)}/login"));
    assert.ok(!pathMatches("/_matrix/client/v4/login", "/_matrix/client/{v:regex(^(r0|v3)$)}/login"));
    assert.ok(pathMatches("/a/{x}/{y}", "/a/{x}/{y?}"));
    assert.ok(pathMatches("/a/{x}", "/a/{x}/{y?}"));
    assert.ok(pathMatches("/state/{type}/{key}", "/state/{type}/{*key}"));
    assert.ok(pathMatches("/state/{type}", "/state/{type}/{**key}"));
    assert.ok(!pathMatches("/_matrix/client/v3/sync", "/_matrix/{**path}"), "a fallback route implements nothing");
    assert.ok(pathMatches("/_matrix/client/v3/pushrules/", "/_matrix/client/v3/pushrules"));
});

test("route tables and hit files are validated and parsed", () => {
    assert.deepEqual(parseRouteTable('[{"method":"get","path":"/x"}]', "t"), [{ method: "GET", path: "/x" }]);
    assert.throws(() => parseRouteTable("{}", "t"), /JSON array/);
    assert.throws(() => parseRouteTable("[{\"method\":1}]", "t"), /JSON array/);
    assert.throws(() => parseRouteTable("nope", "t"), /not JSON/);
    assert.deepEqual(parseHits("GET /a/{b}\n\njunk\npost /c \n"), [
        { method: "GET", path: "/a/{b}" },
        { method: "POST", path: "/c" },
    ]);
    assert.equal(loadHits([hitsDir]).length, 3, "files in nested folders are read too");
    assert.deepEqual(loadHits([path.join(fixtures, "missing")]), []);
});

test("the report marks implemented and tested endpoints and lists routes outside the spec", () => {
    const report = fixtureReport(parseRouteTable(readFileSync(routesFile, "utf8"), routesFile));
    // [implemented, tested] of one endpoint's table row
    const marks = (method, p) => report.split("\n").find((l) => l.startsWith(`| ${method} | \`${p}\` |`))
        ?.split("|").slice(3, 5).map((cell) => cell.trim());
    const state = "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}";
    assert.deepEqual(marks("GET", state), ["yes", "yes"], "served by a regex-versioned catch-all route that was hit");
    assert.deepEqual(marks("PUT", state), ["–", "–"]);
    assert.deepEqual(marks("GET", "/_matrix/client/v3/pushrules/"), ["yes", "–"]);
    assert.deepEqual(marks("PUT", "/_matrix/federation/v1/send/{txnId}"), ["yes", "yes"]);
    assert.deepEqual(marks("POST", "/_matrix/app/v1/ping"), ["–", "–"]);
    assert.ok(report.includes("| Client-Server API | 3 (75%) | 2 (50%) | 4 |"), report);
    assert.ok(report.includes("| **Total** | 4 (57%) | 3 (43%) | 7 |"), report);
    assert.ok(report.includes("| GET | `/_matrix/client/{version:regex(^(r0\\|v3)$)}/unstable/thing` |\n"
        + "| GET | `/_matrix/{**rest}` |\n| GET | `/health` |"), "unused routes, sorted, with | escaped");
    assert.ok(!report.includes("initialSync"), "deprecated endpoints are not listed");
    assert.ok(report.includes("Matrix spec v1.10 OpenAPI"));
});

test("the report is deterministic whatever the order of routes", () => {
    const routes = parseRouteTable(readFileSync(routesFile, "utf8"), routesFile);
    assert.equal(fixtureReport([...routes].reverse()), fixtureReport(routes));
});

test("--check passes on a fresh report and fails with a diff on a stale one", (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "coverage-test-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, "spec-coverage.md");
    const cli = (...args) => spawnSync(process.execPath,
        [path.join(here, "cli.mjs"), "--spec", specDir, "--routes", routesFile, "--hits", hitsDir, "--out", out, ...args],
        { encoding: "utf8", env: { ...process.env, HOMESERVER_ROUTE_HITS_DIR: "" } });

    assert.equal(cli().status, 0);
    assert.equal(cli("--check").status, 0, "a report just written is up to date");
    writeFileSync(out, readFileSync(out, "utf8").replace("| GET | `/health` |", "| GET | `/healthz` |"));
    const stale = cli("--check");
    assert.equal(stale.status, 1);
    assert.match(stale.stdout, /^-\| GET \| `\/healthz` \|$/m);
    assert.match(stale.stdout, /^\+\| GET \| `\/health` \|$/m);
    assert.match(stale.stderr, /is stale/);
});

test("--list-routes output is read; a server that starts serving instead has no table; a crash is an error", async () => {
    const fake = (name) => path.join(fixtures, "fake-servers", name);
    const options = { host: process.execPath, timeoutMs: 10_000 };
    assert.deepEqual(await listRoutesFromServer(fake("lists.mjs"), options), [{ method: "GET", path: "/_matrix/client/versions" }]);
    const started = Date.now();
    assert.equal(await listRoutesFromServer(fake("serves.mjs"), options), null);
    assert.ok(Date.now() - started < 5_000, "stopped as soon as it said it was listening");
    await assert.rejects(listRoutesFromServer(fake("fails.mjs"), options), /exited with 3:\nboom/);
});
