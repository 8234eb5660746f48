// matrix-js-sdk (every child logger sets its own level) and the Rust crypto's tracing write a lot
// to the console, including errors for states they retry through; the test report shows only
// results unless SPEC_VERBOSE=1. Failures reach the report as thrown errors, not as logs.
import { verbose } from "./env.mjs";

if (!verbose) {
    for (const method of ["log", "debug", "info", "warn", "error", "trace"]) console[method] = () => {};
}
