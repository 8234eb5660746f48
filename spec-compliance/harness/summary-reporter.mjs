/**
 * node:test reporter that counts leaf tests only (a describe block or a test with subtests is not
 * itself a check) and emits one JSON object: { passed, failed, skipped }. Events arrive after
 * their subtests, so a test is a leaf when no deeper event of the same file came before it. A
 * parent that fails while all its subtests passed (a failing hook, an error after the subtests)
 * still counts as one failure.
 *
 * The counts are written to $SPEC_SUMMARY_FILE synchronously after every result, because with
 * --test-force-exit node 20 exits before a reporter's stream destination is flushed.
 */
import { writeFileSync } from "node:fs";

export default async function* summaryReporter(source) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const summaryFile = process.env.SPEC_SUMMARY_FILE;
    const save = () => summaryFile && writeFileSync(summaryFile, JSON.stringify(counts));
    save();
    const files = new Map(); // file -> { seen: [], failedBelow: [] } indexed by nesting level

    for await (const event of source) {
        if (event.type !== "test:pass" && event.type !== "test:fail") continue;
        const { file = "", nesting, skip, todo } = event.data;
        const state = files.get(file) ?? { seen: [], failedBelow: [] };
        files.set(file, state);
        const hasChildren = state.seen[nesting + 1] === true;
        const childFailed = state.failedBelow[nesting + 1] === true;
        state.seen[nesting + 1] = false;
        state.failedBelow[nesting + 1] = false;

        const failed = event.type === "test:fail";
        if (!hasChildren) {
            if (failed) counts.failed++;
            else if (skip !== undefined || todo !== undefined) counts.skipped++;
            else counts.passed++;
        } else if (failed && !childFailed) {
            counts.failed++;
        }
        state.seen[nesting] = true;
        if (failed || childFailed) state.failedBelow[nesting] = true;
        save();
    }
    yield* [];
}
