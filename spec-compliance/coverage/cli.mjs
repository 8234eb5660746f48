// scripts/spec-coverage: writes docs/spec-coverage.md, or with --check fails when it is stale.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { computeCoverage, renderReport } from "./report.mjs";
import { listRoutesFromServer, loadHits, parseRouteTable } from "./sources.mjs";
import { APIS, loadApiEndpoints, specVersion } from "./spec.mjs";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const USAGE = `usage: scripts/spec-coverage [--check] [--routes FILE | --no-build] [--hits DIR]... [--spec DIR] [--out FILE]
  --check       regenerate into a temp file and fail (exit 1, with a diff) when --out differs
  --routes FILE route table JSON ([{"method","path"}]) instead of running the server's --list-routes
  --no-build    use the existing Release build of src/Homeserver for --list-routes
  --hits DIR    directory of route-hits files (repeatable; default: $HOMESERVER_ROUTE_HITS_DIR)
  --spec DIR    matrix-spec checkout (default: $MATRIX_SPEC_DIR or ../shared/matrix-spec from the repo root)
  --out FILE    report path (default: docs/spec-coverage.md)`;

function options() {
    try {
        const { values } = parseArgs({
            options: {
                check: { type: "boolean", default: false },
                routes: { type: "string" },
                "no-build": { type: "boolean", default: false },
                hits: { type: "string", multiple: true },
                spec: { type: "string" },
                out: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
        });
        if (values.help) {
            console.log(USAGE);
            process.exit(0);
        }
        const envHits = process.env.HOMESERVER_ROUTE_HITS_DIR;
        return {
            check: values.check,
            routes: values.routes ?? null,
            build: !values["no-build"],
            hits: values.hits ?? (envHits ? [envHits] : []),
            spec: values.spec ?? process.env.MATRIX_SPEC_DIR ?? path.resolve(repoRoot, "..", "shared", "matrix-spec"),
            out: path.resolve(values.out ?? path.join(repoRoot, "docs", "spec-coverage.md")),
        };
    } catch (err) {
        console.error(`${err.message}\n${USAGE}`);
        process.exit(2);
    }
}

/** { routes, source } where source says where the table came from; routes is null when there is none. */
async function serverRoutes(opts) {
    if (opts.routes) {
        return { routes: parseRouteTable(readFileSync(opts.routes, "utf8"), opts.routes), source: path.basename(opts.routes) };
    }
    if (opts.build) {
        const build = spawnSync("dotnet", ["build", "src/Homeserver", "-c", "Release", "-nologo", "-v", "q"],
            { cwd: repoRoot, encoding: "utf8" });
        if (build.status !== 0) throw new Error(`dotnet build failed:\n${build.stdout}${build.stderr}`);
    }
    const routes = await listRoutesFromServer(path.join(repoRoot, "src/Homeserver/bin/Release/net10.0/Matrix.Homeserver.dll"));
    return { routes, source: null };
}

async function generate(opts) {
    if (!existsSync(path.join(opts.spec, "data", "api"))) throw new Error(`no Matrix spec at ${opts.spec} (set MATRIX_SPEC_DIR)`);
    for (const dir of opts.hits) if (!existsSync(dir)) console.error(`note: hits directory ${dir} does not exist; nothing counts as tested from it`);
    const apis = APIS.map((api) => ({ ...api, endpoints: loadApiEndpoints(opts.spec, api.id) }));
    const { routes, source } = await serverRoutes(opts);
    const coverage = computeCoverage(apis, routes ?? [], loadHits(opts.hits));
    return renderReport(coverage, { specVersion: specVersion(opts.spec), routeSource: source, routesAvailable: routes !== null });
}

async function main() {
    const opts = options();
    const report = await generate(opts);
    if (!opts.check) {
        writeFileSync(opts.out, report);
        console.log(`Wrote ${opts.out}`);
        return 0;
    }
    const committed = existsSync(opts.out) ? readFileSync(opts.out, "utf8") : "";
    if (committed === report) {
        console.log(`${opts.out} is up to date`);
        return 0;
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), "spec-coverage-"));
    const fresh = path.join(tmp, "spec-coverage.md");
    writeFileSync(fresh, report);
    const diff = spawnSync("diff", ["-u", existsSync(opts.out) ? opts.out : "/dev/null", fresh], { encoding: "utf8" });
    console.log(diff.stdout);
    rmSync(tmp, { recursive: true, force: true });
    console.error(`${opts.out} is stale: run scripts/spec-coverage (with the same route hits) and commit it`);
    return 1;
}

try {
    process.exit(await main());
} catch (err) {
    console.error(`spec-coverage: ${err.message}`);
    process.exit(2);
}
