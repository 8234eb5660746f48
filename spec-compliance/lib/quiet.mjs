// matrix-js-sdk and the Rust crypto's tracing write a lot to the console; the test report should
// show only results unless SPEC_VERBOSE=1.
import { logger } from "matrix-js-sdk/lib/logger.js";
import { verbose } from "./env.mjs";

if (!verbose) {
    logger.disableAll();
    console.debug = () => {};
    console.info = () => {};
}
