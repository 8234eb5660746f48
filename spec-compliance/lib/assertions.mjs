import assert from "node:assert/strict";

/** Asserts that promise rejects with a Matrix error of the given HTTP status and errcode. */
export async function rejectsWith(promise, httpStatus, errcode) {
    await assert.rejects(promise, (err) => {
        assert.equal(err.httpStatus, httpStatus, `HTTP status (${err.message})`);
        assert.equal(err.errcode, errcode, `errcode (${err.message})`);
        return true;
    });
}
