import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(args) {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Makes a throw-away CA and one leaf certificate per server name, so homeservers can federate over
 * https on loopback while trusting only this CA (Homeserver:Federation:TrustedCaPath).
 * Returns { caPath, certs: { [serverName]: { certPath, keyPath } } }.
 */
export function makeTestPki(dir, serverNames) {
    mkdirSync(dir, { recursive: true });
    const caKey = path.join(dir, "ca.key");
    const caPath = path.join(dir, "ca.pem");
    openssl(["req", "-x509", ...EC_KEY, "-keyout", caKey, "-out", caPath, "-days", "2",
        "-subj", "/CN=spec-compliance test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);

    const certs = {};
    for (const name of serverNames) {
        const keyPath = path.join(dir, `${name}.key`);
        const csrPath = path.join(dir, `${name}.csr`);
        const certPath = path.join(dir, `${name}.crt`);
        const extPath = path.join(dir, `${name}.ext`);
        writeFileSync(extPath, [
            `subjectAltName=DNS:${name},IP:127.0.0.1`,
            "basicConstraints=CA:FALSE",
            "keyUsage=critical,digitalSignature",
            "extendedKeyUsage=serverAuth,clientAuth",
        ].join("\n"));
        openssl(["req", ...EC_KEY, "-keyout", keyPath, "-out", csrPath, "-subj", `/CN=${name}`]);
        openssl(["x509", "-req", "-in", csrPath, "-CA", caPath, "-CAkey", caKey, "-CAcreateserial",
            "-out", certPath, "-days", "2", "-extfile", extPath]);
        certs[name] = { certPath, keyPath };
    }
    return { caPath, certs };
}
