// Feature detection: a feature is "not built" when one of its endpoints answers 404 or 405 with
// errcode M_UNRECOGNIZED (the server's answer for unknown paths and methods), or with an empty
// body (no route matched at all, before that fallback exists). Probes carry no access token and
// an empty JSON body, so an endpoint that exists rejects them (401, 400) without side effects.
// The federation listener is optional: nothing listening there means federation is not built,
// whereas a client listener that refuses connections is a failure.
const SAMPLE_PARAMS = {
    roomId: "!probe:invalid",
    roomIdOrAlias: "!probe:invalid",
    userId: "@probe:invalid",
    eventId: "$probe",
    serverName: "invalid",
};

const cache = new Map();

export function fillPath(path) {
    return path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(SAMPLE_PARAMS[name] ?? "probe"));
}

/** Classifies one answer: null when the endpoint exists, else why it counts as not built. */
export function notBuiltReason(status, bodyText) {
    if (status !== 404 && status !== 405) return null;
    if (bodyText.trim() === "") return `${status} with an empty body (no route)`;
    try {
        if (JSON.parse(bodyText).errcode === "M_UNRECOGNIZED") return `${status} M_UNRECOGNIZED`;
    } catch {
        // not JSON: some other handler answered, so the route exists
    }
    return null;
}

const refused = (err) => err?.cause?.code === "ECONNREFUSED";

async function probeEndpoint(baseUrl, listener, { method, path }) {
    const key = `${baseUrl} ${method} ${path}`;
    if (!cache.has(key)) {
        const hasBody = method === "POST" || method === "PUT";
        cache.set(key, (async () => {
            let res;
            try {
                res = await fetch(baseUrl + fillPath(path), {
                    method,
                    headers: hasBody ? { "content-type": "application/json" } : {},
                    body: hasBody ? "{}" : undefined,
                    signal: AbortSignal.timeout(10_000),
                });
            } catch (err) {
                if (listener !== "client" && refused(err)) return `nothing listening on the ${listener} listener ${baseUrl}`;
                throw err;
            }
            return notBuiltReason(res.status, await res.text());
        })());
    }
    return cache.get(key);
}

/**
 * The first endpoint of the given features that is not built, or null when all are there.
 * listeners maps a feature's listener ("client", "federation") to its base URL.
 */
export async function firstMissing(listeners, features) {
    for (const feature of features) {
        const baseUrl = listeners[feature.listener];
        if (!baseUrl) return { feature: feature.name, why: `no ${feature.listener} listener given to the scenarios (run with --url or --no-federation)` };
        for (const endpoint of feature.endpoints) {
            const why = await probeEndpoint(baseUrl, feature.listener, endpoint);
            if (why) return { feature: feature.name, ...endpoint, why };
        }
    }
    return null;
}

/** Skip text for a missing endpoint found by firstMissing. */
export function describeMissing(missing) {
    if (!missing.path) return `not available: ${missing.feature} (${missing.why})`;
    return `not built: ${missing.feature} (${missing.method} ${missing.path}: ${missing.why})`;
}
