import net from "node:net";

/** Asks the kernel for a free loopback TCP port. The port is released before use, so a race is possible but rare on loopback. */
export function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}
