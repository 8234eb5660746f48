import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls check() until it returns a truthy value and returns that value; throws after timeoutMs
 * naming what was awaited. Polling client state (timelines, members, receipts) is free of the
 * race of an event that fired before a listener was attached.
 */
export async function eventually(check, what, { timeoutMs = 20_000, intervalMs = 50 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError = null;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() >= deadline) {
            const cause = lastError ? ` (last error: ${lastError.message})` : "";
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
        }
        await sleep(intervalMs);
    }
}
