// Matching spec paths against ASP.NET Core route patterns, whatever the parameters are named.
//
// A route segment is a literal (compared case-insensitively, as ASP.NET routing does), a
// parameter {name} or {name:constraint}, an optional parameter {name?} (last only), or a
// catch-all {*name} / {**name} (last only). Spec parameters match route parameters; a spec
// literal matches a route parameter only when that parameter has a regex(...) constraint that
// accepts it (e.g. {version:regex(^(r0|v3)$)}). A catch-all stands for the remaining spec
// segments only when they are all parameters, so a fallback route such as /_matrix/{**path}
// never makes an endpoint look implemented.

function splitSegments(pattern) {
    const segments = [];
    let depth = 0;
    let current = "";
    for (const ch of pattern.replace(/^\//, "")) {
        if (ch === "{") depth++;
        if (ch === "}") depth--;
        if (ch === "/" && depth === 0) {
            segments.push(current);
            current = "";
        } else {
            current += ch;
        }
    }
    segments.push(current);
    return segments;
}

function parseSegment(text) {
    const param = /^\{(\*{1,2})?([^:}?=]+)([^}]*)\}$/.exec(text);
    if (!param) {
        return text.includes("{") ? { kind: "complex", text } : { kind: "literal", text: text.toLowerCase() };
    }
    const [, star, , rest] = param;
    if (star) return { kind: "catchall" };
    const regex = /:regex\((.*)\)/.exec(rest)?.[1];
    return { kind: rest.endsWith("?") ? "optional" : "param", regex: regex ? new RegExp(regex) : null };
}

/** Parses a route pattern or a spec path into segments; a trailing slash is insignificant, as in ASP.NET routing. */
export function parsePattern(pattern) {
    return splitSegments(pattern.replace(/\/+$/, "")).map(parseSegment);
}

function segmentMatches(spec, route) {
    if (route.kind === "literal") return spec.kind === "literal" && spec.text === route.text;
    if (route.kind === "param" || route.kind === "optional") {
        if (spec.kind === "param") return true;
        return spec.kind === "literal" && route.regex !== null && route.regex.test(spec.text);
    }
    return false; // complex segments (a{b}.c) are not used for Matrix paths
}

/** True when a request to the spec path would be routed to this route pattern. */
export function pathMatches(specPath, routePattern) {
    const spec = parsePattern(specPath);
    const route = parsePattern(routePattern);
    for (let i = 0; i < route.length; i++) {
        const seg = route[i];
        const last = i === route.length - 1;
        if (seg.kind === "catchall" && last) return spec.slice(i).every((s) => s.kind === "param");
        if (seg.kind === "optional" && last) {
            return spec.length === i || (spec.length === i + 1 && segmentMatches(spec[i], seg));
        }
        if (i >= spec.length || !segmentMatches(spec[i], seg)) return false;
    }
    return spec.length === route.length;
}

/** True when the route (method + pattern) serves the spec endpoint. */
export function routeServes(route, endpoint) {
    return route.method.toUpperCase() === endpoint.method && pathMatches(endpoint.path, route.path);
}
