// Where the generator's inputs come from: the server's route table and the route-hits files.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Validates a route table (JSON array of { method, path }) and returns it. */
export function parseRouteTable(json, source) {
    let routes;
    try {
        routes = JSON.parse(json);
    } catch (err) {
        throw new Error(`${source} is not JSON: ${err.message}`);
    }
    const valid = Array.isArray(routes)
        && routes.every((r) => typeof r?.method === "string" && typeof r?.path === "string");
    if (!valid) throw new Error(`${source} is not a JSON array of {"method", "path"}`);
    return routes.map((r) => ({ method: r.method.toUpperCase(), path: r.path }));
}

/**
 * Asks the built server for its routes (`Matrix.Homeserver.dll --list-routes`, which prints them
 * and exits without a database). Resolves null when the server does not know the flag yet: it
 * then starts serving instead (on a throw-away port), which its startup log line gives away, and
 * is stopped at once. Rejects when the command fails or prints something that is not a table.
 */
export function listRoutesFromServer(dll, { timeoutMs = 60_000, host = "dotnet" } = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(host, [dll, "--list-routes", "--urls=http://127.0.0.1:0"],
            { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let serving = false;
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
            if (!serving && /Now listening on|Application started/.test(stdout)) {
                serving = true;
                child.kill("SIGKILL");
            }
        });
        child.stderr.on("data", (chunk) => { stderr += chunk; });
        child.on("error", reject);
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            if (serving) return resolve(null);
            if (signal) return reject(new Error(`${dll} --list-routes did not exit within ${timeoutMs} ms`));
            if (code !== 0) return reject(new Error(`${dll} --list-routes exited with ${code}:\n${stderr}`));
            // Only the JSON array counts; log lines before it are ignored.
            const start = stdout.indexOf("[");
            try {
                resolve(parseRouteTable(start >= 0 ? stdout.slice(start) : stdout, `${dll} --list-routes`));
            } catch (err) {
                reject(err);
            }
        });
    });
}

/** Parses route-hit lines ("METHOD /route/pattern"); blank and malformed lines are ignored. */
export function parseHits(text) {
    return text.split("\n").map((line) => /^([A-Za-z]+) (\/\S*)\s*$/.exec(line.trim()))
        .filter(Boolean).map(([, method, route]) => ({ method: method.toUpperCase(), path: route }));
}

function filesUnder(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
    });
}

/** Every route hit recorded in the files under the given directories (missing directories count as empty). */
export function loadHits(dirs) {
    const hits = new Map();
    for (const dir of dirs) {
        if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
        for (const file of filesUnder(dir)) {
            for (const hit of parseHits(readFileSync(file, "utf8"))) hits.set(`${hit.method} ${hit.path}`, hit);
        }
    }
    return [...hits.values()];
}
