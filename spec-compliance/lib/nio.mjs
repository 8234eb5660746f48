// Runs a matrix-nio scenario script (nio/*.py) under Debian's python3 and reads its JSON lines.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { homeserver, scratchDir } from "./env.mjs";

const nioDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "nio");
const SKIP_EXIT = 77;
const KILL_AFTER_MS = 150_000;

export const nioPython = process.env.SPEC_NIO_PYTHON || null;

/**
 * Starts nio/<script> with args. Returns { messages, next(key), done }: messages are the JSON
 * lines printed so far, next(key) resolves with the first message that has key, done resolves
 * with { code, skip, stderr } when the script ends (killed after KILL_AFTER_MS).
 */
export function startNio(script, args = []) {
    const child = spawn(nioPython, [path.join(nioDir, script), ...args], {
        cwd: nioDir,
        env: { ...process.env, SPEC_HS_URL: homeserver.url, SPEC_TMP: scratchDir ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    const messages = [];
    const waiters = [];
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
        stdout += chunk;
        let newline;
        while ((newline = stdout.indexOf("\n")) >= 0) {
            const line = stdout.slice(0, newline).trim();
            stdout = stdout.slice(newline + 1);
            if (!line.startsWith("{")) continue;
            messages.push(JSON.parse(line));
            waiters.forEach((w) => w());
        }
    });
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    const killer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
    let exited = false;
    const done = new Promise((resolve) => child.on("exit", (code, signal) => {
        clearTimeout(killer);
        exited = true;
        const skip = code === SKIP_EXIT ? messages.find((m) => m.skip)?.skip : null;
        resolve({ code: code ?? signal, skip, stderr });
        waiters.forEach((w) => w());
    }));

    // The first message with key, or null once the script has ended without printing one.
    const next = (key) => new Promise((resolve) => {
        const check = () => {
            const found = messages.find((m) => key in m);
            if (found || exited) resolve(found ?? null);
        };
        waiters.push(check);
        check();
    });
    return { next, done, kill: () => child.kill("SIGKILL") };
}

function nioFailure(script, { code, stderr }, what = `exited with ${code}`) {
    return new Error(`nio/${script} ${what}:\n${stderr.split("\n").slice(-25).join("\n")}`);
}

/** Settles a finished nio run within a scenario: pass, skip with the script's reason, or throw. */
export function settle(t, script, result) {
    if (result.skip) {
        t.skip(result.skip);
        return false;
    }
    if (result.code !== 0) throw nioFailure(script, result);
    return true;
}

/**
 * The script's next message with key. Null when the script skipped instead (the test is then
 * marked skipped); throws when it failed or ended without printing the message.
 */
export async function nioStep(t, script, nio, key) {
    const message = await nio.next(key);
    if (message) return message;
    if (settle(t, script, await nio.done)) throw new Error(`nio/${script} ended before printing ${key}`);
    return null;
}
