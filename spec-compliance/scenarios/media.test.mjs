// Media: upload through matrix-js-sdk, download and thumbnail through the authenticated endpoints.
import assert from "node:assert/strict";
import { newUser } from "../lib/clients.mjs";
import { homeserver } from "../lib/env.mjs";
import { Features } from "../lib/features.mjs";
import { makePng, pngSize } from "../lib/png.mjs";
import { scenario } from "../lib/scenario.mjs";

const base = [Features.registration, Features.mediaUpload, Features.mediaDownload];

/** GET an authenticated media URL; the token is optional so refusals can be checked too. */
async function get(url, accessToken) {
    const res = await fetch(url, {
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
        signal: AbortSignal.timeout(15_000),
    });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

const downloadUrl = (client, mxc) => client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true);

scenario("uploaded bytes download unchanged, for any user, but not without a token", { needs: base }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    const bob = await newUser(ctx, { prefix: "bob" });
    const body = Buffer.from("spec-compliance media payload\n".repeat(100));
    const { content_uri: mxc } = await alice.client.uploadContent(body, { name: "notes.txt", type: "text/plain" });
    assert.match(mxc, new RegExp(`^mxc://${homeserver.serverName.replace(/\./g, "\\.")}/[A-Za-z0-9_-]+$`));

    const url = downloadUrl(bob.client, mxc);
    assert.match(new URL(url).pathname, /^\/_matrix\/client\/v1\/media\/download\//);
    const { res, bytes } = await get(url, bob.accessToken);
    assert.equal(res.status, 200);
    assert.ok(bytes.equals(body), "the downloaded bytes equal the uploaded ones");
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(res.headers.get("content-disposition") ?? "", /^(inline|attachment)/, "Content-Disposition is required (v1.12)");
    assert.match(res.headers.get("content-disposition") ?? "", /notes\.txt/);

    const anonymous = await get(url, null);
    assert.equal(anonymous.res.status, 401);
    assert.equal(JSON.parse(anonymous.bytes).errcode, "M_MISSING_TOKEN");

    const config = await get(`${homeserver.url}/_matrix/client/v1/media/config`, alice.accessToken);
    assert.equal(config.res.status, 200);
    const maxSize = JSON.parse(config.bytes)["m.upload.size"];
    assert.ok(maxSize === undefined || maxSize >= body.length, "m.upload.size, when given, allows this upload");
});

scenario("unknown media is 404 M_NOT_FOUND", { needs: base }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    const url = downloadUrl(alice.client, `mxc://${homeserver.serverName}/doesNotExist0123`);
    const { res, bytes } = await get(url, alice.accessToken);
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(bytes).errcode, "M_NOT_FOUND");
});

scenario("a thumbnail of an uploaded PNG is an image no larger than asked", { needs: [...base, Features.thumbnails] }, async (ctx) => {
    const alice = await newUser(ctx, { prefix: "alice" });
    const { content_uri: mxc } = await alice.client.uploadContent(makePng(256, 192), { name: "picture.png", type: "image/png" });
    const url = alice.client.mxcUrlToHttp(mxc, 64, 64, "scale", false, true, true);
    assert.match(new URL(url).pathname, /^\/_matrix\/client\/v1\/media\/thumbnail\//);
    const { res, bytes } = await get(url, alice.accessToken);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^image\//);
    assert.ok(bytes.length > 0);
    const size = pngSize(bytes);
    // "scale" keeps the aspect ratio; the server may answer with a larger pre-made size.
    if (size) assert.ok(Math.abs(size.width / size.height - 256 / 192) < 0.05, `aspect ratio kept (${size.width}x${size.height})`);
});
