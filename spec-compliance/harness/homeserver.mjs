import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A launch spec is plain JSON so the runner can hand a second server's spec to the federation
 * scenario through the environment:
 * { label, dll, serverName, dataDir, clientPort, postgres?, routeHitsFile?, pidDir?,
 *   federation?: { port, certPath, keyPath, caPath, overrides: { [serverName]: "127.0.0.1:port" } } }
 */
export function homeserverSettings(spec) {
    const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
    const settings = {
        "Homeserver:ServerName": spec.serverName,
        "Homeserver:PublicBaseUrl": clientUrl,
        "Homeserver:Listeners:Client:Url": clientUrl,
        "Homeserver:Database:Provider": spec.postgres ? "Postgres" : "Sqlite",
        "Homeserver:Database:ConnectionString": spec.postgres
            ?? `Data Source=${path.join(spec.dataDir, "homeserver.db")}`,
        "Homeserver:SigningKeyPath": path.join(spec.dataDir, "signing.key"),
        "Homeserver:Registration:Mode": "Open",
        "Homeserver:Media:StorePath": path.join(spec.dataDir, "media"),
        "Homeserver:Federation:Enabled": spec.federation ? "true" : "false",
    };
    if (spec.routeHitsFile) settings["Homeserver:Diagnostics:RouteHitsFile"] = spec.routeHitsFile;
    const fed = spec.federation;
    if (fed) {
        settings["Homeserver:Listeners:Federation:Url"] = `https://127.0.0.1:${fed.port}`;
        settings["Homeserver:Federation:TrustedCaPath"] = fed.caPath;
        settings["Homeserver:Listeners:Federation:CertificatePath"] = fed.certPath;
        settings["Homeserver:Listeners:Federation:CertificateKeyPath"] = fed.keyPath;
        for (const [name, target] of Object.entries(fed.overrides ?? {})) {
            settings[`Homeserver:Federation:ResolverOverrides:${name}`] = target;
        }
    }
    return settings;
}

function tail(file, lines = 30) {
    try {
        return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

/** Starts Matrix.Homeserver.dll for a launch spec and resolves once GET /health answers 200. */
export async function startHomeserver(spec, { healthTimeoutMs = 90_000 } = {}) {
    mkdirSync(spec.dataDir, { recursive: true });
    const logPath = path.join(spec.dataDir, "server.log");
    const args = [spec.dll, ...Object.entries(homeserverSettings(spec)).map(([k, v]) => `--${k}=${v}`)];
    const logFd = openSync(logPath, "a");
    const child = spawn("dotnet", args, {
        cwd: spec.dataDir,
        stdio: ["ignore", logFd, logFd],
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1" },
    });
    closeSync(logFd);
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    let exit = null;
    exited.then((e) => { exit = e; });

    // The pid file lets the runner end this process even if the test process that started it dies.
    const pidFile = spec.pidDir ? path.join(spec.pidDir, `${spec.label}.pid`) : null;
    if (pidFile) {
        mkdirSync(spec.pidDir, { recursive: true });
        writeFileSync(pidFile, String(child.pid));
    }

    const url = `http://127.0.0.1:${spec.clientPort}`;
    const server = {
        label: spec.label,
        url,
        serverName: spec.serverName,
        federationUrl: spec.federation ? `https://127.0.0.1:${spec.federation.port}` : null,
        logPath,
        async stop() {
            if (!exit) {
                child.kill("SIGTERM");
                const killed = await Promise.race([exited, sleep(10_000, null)]);
                if (!killed) {
                    child.kill("SIGKILL");
                    await exited;
                }
            }
            if (pidFile) rmSync(pidFile, { force: true });
        },
    };

    const deadline = Date.now() + healthTimeoutMs;
    while (Date.now() < deadline) {
        if (exit) {
            await server.stop();
            throw new Error(`${spec.label} exited (${exit.code ?? exit.signal}) before /health answered:\n${tail(logPath)}`);
        }
        try {
            const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
            if (res.status === 200) return server;
        } catch {
            // not listening yet
        }
        await sleep(250);
    }
    await server.stop();
    throw new Error(`${spec.label}: GET /health did not answer 200 within ${healthTimeoutMs} ms:\n${tail(logPath)}`);
}
