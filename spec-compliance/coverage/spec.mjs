// Reads the Matrix spec's OpenAPI files and lists every non-deprecated endpoint with its full path.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** The APIs a homeserver's coverage is measured against, in report order. */
export const APIS = [
    { id: "client-server", title: "Client-Server API" },
    { id: "server-server", title: "Server-Server API" },
    { id: "application-service", title: "Application Service API" },
];

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** The basePath default of a file's first server (e.g. /_matrix/client/v3); "" when it has none. */
function basePath(doc) {
    const server = doc.servers?.[0];
    if (!server) return "";
    return server.url.replace(/\{(\w+)\}/g, (_, name) =>
        name === "basePath" ? server.variables?.basePath?.default ?? "" : "").replace(/^[a-z]*:?\/\/[^/]*/, "");
}

/** Endpoints declared by one parsed OpenAPI document: [{ method, path, operationId, deprecated }]. */
export function endpointsOfDocument(doc) {
    const prefix = basePath(doc);
    const endpoints = [];
    for (const [route, operations] of Object.entries(doc.paths ?? {})) {
        for (const [method, op] of Object.entries(operations ?? {})) {
            if (!METHODS.includes(method)) continue;
            endpoints.push({
                method: method.toUpperCase(),
                path: prefix + route,
                operationId: op.operationId ?? "",
                deprecated: op.deprecated === true,
            });
        }
    }
    return endpoints;
}

/** Non-deprecated endpoints of one API folder under <specDir>/data/api, sorted by path then method. */
export function loadApiEndpoints(specDir, apiId) {
    const dir = path.join(specDir, "data", "api", apiId);
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
    const endpoints = files.flatMap((file) =>
        endpointsOfDocument(parse(readFileSync(path.join(dir, file), "utf8"))).map((e) => ({ ...e, file })));
    return endpoints.filter((e) => !e.deprecated).sort(byPathThenMethod);
}

export function byPathThenMethod(a, b) {
    return a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0;
}

/** The spec release, from the newest content/changelog/vX.Y.md (null when there is none). */
export function specVersion(specDir) {
    let files;
    try {
        files = readdirSync(path.join(specDir, "content", "changelog"));
    } catch {
        return null;
    }
    const versions = files.map((f) => /^v(\d+)\.(\d+)\.md$/.exec(f)).filter(Boolean)
        .map((m) => [Number(m[1]), Number(m[2])]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const newest = versions.at(-1);
    return newest ? `v${newest[0]}.${newest[1]}` : null;
}
