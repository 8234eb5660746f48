// One scenario = one node:test test that first checks the features it needs (skipping with the
// missing feature's name), then runs with a context that stops every client it made.
import { test } from "node:test";
import { homeserver } from "./env.mjs";
import { describeMissing, firstMissing } from "./probe.mjs";

class ScenarioContext {
    #cleanups = [];

    constructor(t) {
        this.t = t;
    }

    track(client) {
        this.defer(() => client.stopClient());
        return client;
    }

    defer(fn) {
        this.#cleanups.push(fn);
    }

    async close() {
        for (const fn of this.#cleanups.reverse()) {
            try {
                await fn();
            } catch {
                // cleanup is best effort; the scenario's own result is what counts
            }
        }
    }
}

/** An endpoint found missing mid-scenario (a MatrixError 404/405 M_UNRECOGNIZED) → skip text. */
function unrecognized(err) {
    if (err?.errcode !== "M_UNRECOGNIZED" || ![404, 405].includes(err.httpStatus)) return null;
    const where = err.url ? new URL(err.url).pathname : "an endpoint";
    return `not built: ${where} answers ${err.httpStatus} M_UNRECOGNIZED`;
}

const listeners = { client: homeserver.url, federation: homeserver.federationUrl };

/**
 * scenario(name, { needs: [Features.x, ...], timeoutMs }, async (ctx) => { ... })
 */
export function scenario(name, { needs = [], timeoutMs = 60_000 } = {}, fn) {
    test(name, { timeout: timeoutMs }, async (t) => {
        const missing = await firstMissing(listeners, needs);
        if (missing) {
            t.skip(describeMissing(missing));
            return;
        }
        const ctx = new ScenarioContext(t);
        try {
            await fn(ctx);
        } catch (err) {
            const reason = unrecognized(err);
            if (!reason) throw err;
            t.skip(reason);
        } finally {
            await ctx.close();
        }
    });
}
