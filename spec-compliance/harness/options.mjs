import { parseArgs } from "node:util";

const USAGE = `usage: run [--postgres CONNSTRING] [--no-build] [--keep] [--grep PATTERN] [scenario files...]
       run --url URL --server-name NAME [--grep PATTERN] [scenario files...]
  --postgres CONN  run the main server on PostgreSQL (default: SQLite; env SPEC_PG_CONNECTION)
  --no-build       use the existing Release build of src/Homeserver
  --url URL        run against a server that is already running (e.g. another homeserver, to
                   tell a scenario's mistake from our server's); nothing is built or started
  --server-name N  that server's server name (with --url)
  --no-federation  start the server without its federation listener (the federation scenario skips)
  --keep           keep the temp dir (server logs, databases) even when everything passed
  --grep PATTERN   only run tests whose name matches PATTERN`;

/** Parses the runner's command line; exits with the usage text on a bad flag. */
export function parseOptions(argv) {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                postgres: { type: "string" },
                "no-build": { type: "boolean", default: false },
                keep: { type: "boolean", default: false },
                "no-federation": { type: "boolean", default: false },
                grep: { type: "string" },
                url: { type: "string" },
                "server-name": { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (err) {
        console.error(`${err.message}\n${USAGE}`);
        process.exit(2);
    }
    if (parsed.values.help) {
        console.log(USAGE);
        process.exit(0);
    }
    const v = parsed.values;
    if (Boolean(v.url) !== Boolean(v["server-name"])) {
        console.error(`--url and --server-name go together\n${USAGE}`);
        process.exit(2);
    }
    return {
        external: v.url ? { url: v.url.replace(/\/$/, ""), serverName: v["server-name"] } : null,
        postgres: v.postgres ?? process.env.SPEC_PG_CONNECTION ?? null,
        build: !v["no-build"],
        federation: !v["no-federation"],
        keep: v.keep,
        grep: v.grep ?? null,
        files: parsed.positionals,
    };
}
