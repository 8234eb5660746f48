// What the runner tells the scenarios about the server under test (see harness/runner.mjs).
function required(name) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the scenarios through spec-compliance/run`);
    return value;
}

export const homeserver = {
    url: required("SPEC_HS_URL"),
    serverName: required("SPEC_HS_SERVER_NAME"),
    federationUrl: process.env.SPEC_HS_FEDERATION_URL || null,
};

/** Launch spec of the federation peer, started by the federation scenario only when needed. */
export const peerLaunch = process.env.SPEC_HS2_LAUNCH ? JSON.parse(process.env.SPEC_HS2_LAUNCH) : null;

export const scratchDir = process.env.SPEC_TMP ?? null;
export const verbose = process.env.SPEC_VERBOSE === "1";
