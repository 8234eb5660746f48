// Builds the homeserver, starts it on loopback with a fresh data dir, runs every scenario under
// node's test runner, always stops what it started, and prints "N passed, N failed, N skipped".
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHomeserver } from "./homeserver.mjs";
import { parseOptions } from "./options.mjs";
import { freePort } from "./ports.mjs";
import { makeTestPki } from "./tls.mjs";

const harnessDir = path.dirname(fileURLToPath(import.meta.url));
const suiteDir = path.dirname(harnessDir);
const repoRoot = path.dirname(suiteDir);
const dll = path.join(repoRoot, "src/Homeserver/bin/Release/net10.0/Matrix.Homeserver.dll");
const SERVER_NAMES = ["hs1.localhost", "hs2.localhost"];
const RUN_TIMEOUT_MS = Number(process.env.SPEC_RUN_TIMEOUT_MS ?? 30 * 60_000);
const TEST_TIMEOUT_MS = 180_000;

const options = parseOptions(process.argv.slice(2));
const tmp = mkdtempSync(path.join(os.tmpdir(), "spec-compliance-"));
const pidDir = path.join(tmp, "pids");
const hitsDir = process.env.HOMESERVER_ROUTE_HITS_DIR
    ? path.resolve(process.env.HOMESERVER_ROUTE_HITS_DIR)
    : path.join(tmp, "route-hits");
mkdirSync(hitsDir, { recursive: true });

let server = null;
let testProcess = null;
let cleaning = null;

function runLogged(cmd, args, logFile) {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
        const out = [];
        child.stdout.on("data", (d) => out.push(d));
        child.stderr.on("data", (d) => out.push(d));
        child.on("exit", (code) => {
            writeFileSync(logFile, Buffer.concat(out));
            resolve(code);
        });
    });
}

/** True when pid is still a homeserver process (guards against a reused pid). */
function isOurHomeserver(pid) {
    try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("Matrix.Homeserver.dll");
    } catch {
        return false;
    }
}

/** Ends servers that scenarios started (e.g. the federation peer) if their test process died. */
function killLeftoverServers() {
    if (!existsSync(pidDir)) return;
    for (const file of readdirSync(pidDir)) {
        const pid = Number(readFileSync(path.join(pidDir, file), "utf8"));
        if (pid && isOurHomeserver(pid)) process.kill(pid, "SIGKILL");
    }
}

async function cleanup(keepTmp) {
    cleaning ??= (async () => {
        if (testProcess && testProcess.exitCode === null) testProcess.kill("SIGTERM");
        if (server) await server.stop();
        killLeftoverServers();
        if (keepTmp) console.log(`Logs and data kept in ${tmp}`);
        else rmSync(tmp, { recursive: true, force: true });
    })();
    return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, async () => {
        console.error(`\n${signal}: stopping`);
        await cleanup(true);
        process.exit(128 + os.constants.signals[signal]);
    });
}

function scenarioFiles() {
    if (options.files.length) return options.files.map((f) => path.resolve(f));
    const dir = path.join(suiteDir, "scenarios");
    return readdirSync(dir).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join(dir, f));
}

async function runScenarios(env) {
    const summaryFile = path.join(tmp, "summary.json");
    const args = [
        "--test",
        "--test-concurrency=1",
        "--test-force-exit",
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        "--test-reporter=spec", "--test-reporter-destination=stdout",
        `--test-reporter=${path.join(harnessDir, "summary-reporter.mjs")}`,
        "--test-reporter-destination=/dev/null",
        ...(options.grep ? [`--test-name-pattern=${options.grep}`] : []),
        ...scenarioFiles(),
    ];
    testProcess = spawn(process.execPath, args, {
        cwd: suiteDir, stdio: "inherit", env: { ...env, SPEC_SUMMARY_FILE: summaryFile },
    });
    let timedOut = false;
    const watchdog = setTimeout(() => {
        console.error(`Scenarios still running after ${RUN_TIMEOUT_MS} ms: stopping them`);
        timedOut = true;
        testProcess.kill("SIGTERM");
    }, RUN_TIMEOUT_MS);
    const code = await new Promise((resolve) => testProcess.on("exit", (c, s) => resolve(c ?? s)));
    clearTimeout(watchdog);
    try {
        const counts = JSON.parse(readFileSync(summaryFile, "utf8"));
        // The test that was running when the watchdog fired never reported: it failed.
        return timedOut ? { ...counts, failed: counts.failed + 1 } : counts;
    } catch {
        // The test process died before reporting; that is one failure, not a silent pass.
        console.error(`Test process ended (${code}) without a summary`);
        return { passed: 0, failed: 1, skipped: 0 };
    }
}

/** Scenarios against a server someone else runs: no build, no start, no federation peer. */
function externalServer() {
    console.log(`Using the running server ${options.external.url} (${options.external.serverName})`);
    return runScenarios({
        ...process.env,
        SPEC_HS_URL: options.external.url,
        SPEC_HS_SERVER_NAME: options.external.serverName,
        SPEC_TMP: tmp,
    });
}

async function main() {
    if (options.external) return externalServer();
    if (options.build) {
        console.log("Building src/Homeserver (Release)...");
        const buildLog = path.join(tmp, "build.log");
        const code = await runLogged("dotnet", ["build", "src/Homeserver", "-c", "Release", "-nologo"], buildLog);
        if (code !== 0) {
            throw new Error(`dotnet build failed (${code}):\n${readFileSync(buildLog, "utf8").split("\n").slice(-30).join("\n")}`);
        }
    }
    if (!existsSync(dll)) throw new Error(`${dll} is missing: build src/Homeserver -c Release first`);

    const pki = makeTestPki(path.join(tmp, "pki"), SERVER_NAMES);
    const [hs1, hs2] = SERVER_NAMES;
    const ports = { c1: await freePort(), f1: await freePort(), c2: await freePort(), f2: await freePort() };
    const launch = (label, serverName, clientPort, fedPort, peer, peerFedPort, postgres) => ({
        label, dll, serverName, clientPort, postgres, pidDir,
        dataDir: path.join(tmp, label),
        routeHitsFile: path.join(hitsDir, `spec-compliance-${label}.txt`),
        federation: {
            port: fedPort, caPath: pki.caPath, ...pki.certs[serverName],
            overrides: { [peer]: `127.0.0.1:${peerFedPort}` },
        },
    });
    const hs1Spec = launch("hs1", hs1, ports.c1, ports.f1, hs2, ports.f2, options.postgres);
    if (!options.federation) delete hs1Spec.federation;
    // The peer always runs on SQLite: the federation scenario is about federation, not storage.
    const hs2Spec = launch("hs2", hs2, ports.c2, ports.f2, hs1, ports.f1, null);

    console.log(`Starting ${hs1} (${options.postgres ? "PostgreSQL" : "SQLite"}) on ${ports.c1}...`);
    server = await startHomeserver(hs1Spec);

    const env = {
        ...process.env,
        SPEC_HS_URL: server.url,
        SPEC_HS_SERVER_NAME: server.serverName,
        SPEC_HS_FEDERATION_URL: server.federationUrl ?? "",
        SPEC_HS2_LAUNCH: JSON.stringify(hs2Spec),
        SPEC_TMP: tmp,
        NODE_EXTRA_CA_CERTS: pki.caPath,
    };
    return runScenarios(env);
}

let counts;
try {
    counts = await main();
} catch (err) {
    console.error(`Harness error: ${err.message}`);
    counts = { passed: 0, failed: 1, skipped: 0 };
}
await cleanup(options.keep || counts.failed > 0);
if (process.env.HOMESERVER_ROUTE_HITS_DIR) console.log(`Route hits in ${hitsDir}`);
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed > 0 ? 1 : 0);
