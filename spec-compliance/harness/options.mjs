import { parseArgs } from "node:util";

const USAGE = `usage: run [--postgres CONNSTRING] [--no-build] [--keep] [--grep PATTERN] [scenario files...]
  --postgres CONN  run the main server on PostgreSQL (default: SQLite; env SPEC_PG_CONNECTION)
  --no-build       use the existing Release build of src/Homeserver
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
                grep: { type: "string" },
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
    return {
        postgres: v.postgres ?? process.env.SPEC_PG_CONNECTION ?? null,
        build: !v["no-build"],
        keep: v.keep,
        grep: v.grep ?? null,
        files: parsed.positionals,
    };
}
