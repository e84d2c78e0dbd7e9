/**
 * Real peers for the probe tests, all on 127.0.0.1 (port 0): an HTTP(S) server whose routes misbehave on
 * purpose, a TCP server that accepts and never says anything (neither HTTP nor TLS), a free port with
 * nothing listening, and certificates made by `openssl` at test time. Every server tracks its sockets and
 * destroys them on `close()`, so closing never waits for a hanging connection.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface RunningServer {
  port: number;
  /** `http://127.0.0.1:<port>` or `https://...` (for the silent server: whatever scheme the test wants). */
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: "http" | "https"): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  // "secureConnection" would miss sockets still in the handshake: track at the TCP level.
  server.on("connection", (s: Socket) => {
    accepted += 1;
    sockets.add(s);
    s.on("error", () => {});
    s.once("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    connections: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      const closed = once(server, "close");
      server.close();
      await closed;
    },
  };
}

/**
 * Routes:
 * - `/ok` 200 "ok"; `/slow?ms=300` the same after a delay; `/status/500` (any code) that status;
 * - `/hang` reads the request and never answers; `/trickle` headers then one byte every 200 ms;
 * - `/reset` resets the connection (RST) after reading the request; `/redirect` 302 to itself forever;
 * - `/huge?mb=50` streams 50 MB chunked (`&declared=1`: with content-length);
 * - `/echo` 200 with `method body` (POST echo) and the request headers in `x-seen-*` (for HEAD checks);
 * - `/chain/3` 302 to `/chain/2` ... `/chain/0` 200; `/to?location=<url>&code=307` that redirect (302 by
 *   default; relative or absolute, any origin); `/text?body=<text>` 200 with that text as the body.
 */
async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  log: string[],
  received: ReceivedRequest[],
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  log.push(`${req.method} ${url.pathname}`);
  received.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body });
  const path = url.pathname;
  if (path === "/ok") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  } else if (path === "/slow") {
    // the wait ends early when the client goes away, so a long delay holds no timer after the test
    const ms = Number(url.searchParams.get("ms") ?? 300);
    await new Promise<void>((done) => {
      const t = setTimeout(done, ms);
      res.once("close", () => {
        clearTimeout(t);
        done();
      });
    });
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok, slowly");
  } else if (path.startsWith("/status/")) {
    res.writeHead(Number(path.slice("/status/".length)), { "content-type": "text/plain" }).end("status page");
  } else if (path === "/hang") {
    // say nothing
  } else if (path === "/trickle") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
    const t = setInterval(() => res.write("x"), 200);
    res.once("close", () => clearInterval(t));
  } else if (path === "/reset") {
    req.socket.resetAndDestroy();
  } else if (path === "/redirect") {
    res.writeHead(302, { location: "/redirect" }).end();
  } else if (path === "/huge") {
    const total = Number(url.searchParams.get("mb") ?? 50) * 1024 * 1024;
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (url.searchParams.get("declared")) headers["content-length"] = String(total);
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    async function* chunks() {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
    }
    // pipeline() respects backpressure and stops when the client goes away.
    await pipeline(Readable.from(chunks()), res).catch(() => {});
  } else if (path === "/echo") {
    res.writeHead(200, { "content-type": "text/plain", "x-seen-method": req.method ?? "" });
    res.end(`${req.method} ${body}`);
  } else if (path.startsWith("/chain/")) {
    const n = Number(path.slice("/chain/".length));
    if (n > 0) res.writeHead(302, { location: `/chain/${n - 1}` }).end();
    else res.writeHead(200, { "content-type": "text/plain" }).end("end of chain");
  } else if (path === "/to") {
    const code = Number(url.searchParams.get("code") ?? 302);
    res.writeHead(code, { location: url.searchParams.get("location") ?? "/" }).end();
  } else if (path === "/text") {
    res.writeHead(200, { "content-type": "text/plain" }).end(url.searchParams.get("body") ?? "");
  } else {
    res.writeHead(404).end("not found");
  }
}

/** One request as the server saw it: what a probe sent (headers as Node parsed them, lower-case names). */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface HostileServer extends RunningServer {
  /** `METHOD /path` of every request received. */
  requests: string[];
  /** Every request received, with its headers and body. */
  received: ReceivedRequest[];
}

function withRoutes(
  server: Server & { on(e: "request", l: (q: IncomingMessage, s: ServerResponse) => void): unknown },
) {
  const requests: string[] = [];
  const received: ReceivedRequest[] = [];
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, requests, received).catch(() => res.destroy());
  });
  return { requests, received };
}

export async function startHostileHttp(): Promise<HostileServer> {
  const server = createHttpServer();
  const routes = withRoutes(server);
  return Object.assign(await listen(server, "http"), routes);
}

export async function startHostileHttps(cert: CertPair): Promise<HostileServer> {
  const server = createHttpsServer({ key: cert.key, cert: cert.cert });
  const routes = withRoutes(server);
  return Object.assign(await listen(server, "https"), routes);
}

/** Accepts TCP, reads whatever arrives, never writes: an HTTP peer that never answers, or a TLS peer that never completes the handshake. */
export async function startSilentTcp(scheme: "http" | "https" = "http"): Promise<RunningServer> {
  const server = createNetServer((s) => s.resume());
  return listen(server, scheme);
}

/** Answers the first bytes of each connection with `reply` verbatim (raw HTTP/1.1, e.g. a 1xx before the 200). */
export async function startRawHttp(reply: string): Promise<RunningServer> {
  const server = createNetServer((s) => {
    s.once("data", () => s.write(reply));
    s.resume();
  });
  return listen(server, "http");
}

/** A port that was free a moment ago and has nothing listening on it now (connecting is refused). */
export async function refusedPort(): Promise<number> {
  const s = await listen(createNetServer(), "http");
  await s.close();
  return s.port;
}

export interface CertPair {
  key: string;
  /** PEM; may hold a chain (leaf first). */
  cert: string;
}

const EC_KEY = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
const SAN = "subjectAltName=IP:127.0.0.1,DNS:localhost";

/** A temp directory with certificates made by `openssl`; `cleanup()` deletes it. */
export class CertFactory {
  readonly dir = mkdtempSync(join(tmpdir(), "probe-certs-"));
  private n = 0;

  /** Runs `openssl` with space-separated arguments (none of ours contains a space) in the temp dir. */
  private openssl(args: string): void {
    execFileSync("openssl", args.split(" "), { cwd: this.dir, stdio: "pipe" });
  }

  private file(name: string): string {
    return readFileSync(join(this.dir, name), "utf8");
  }

  /** Self-signed P-256 certificate for CN=localhost, SAN IP:127.0.0.1, valid for `days` days from now. */
  selfSigned(days: number): CertPair {
    const id = `self${this.n++}`;
    this.openssl(
      `req -x509 ${EC_KEY} -days ${days} -subj /CN=localhost -addext ${SAN} -keyout ${id}.key -out ${id}.pem`,
    );
    return { key: this.file(`${id}.key`), cert: this.file(`${id}.pem`) };
  }

  /** A leaf valid `leafDays` signed by a CA valid `caDays`; `cert` is the chain leaf + CA. */
  chain(leafDays: number, caDays: number): CertPair {
    const id = `chain${this.n++}`;
    this.openssl(
      `req -x509 ${EC_KEY} -days ${caDays} -subj /CN=ProbeTestCA -keyout ${id}-ca.key -out ${id}-ca.pem`,
    );
    this.openssl(`req -new ${EC_KEY} -subj /CN=localhost -keyout ${id}.key -out ${id}.csr`);
    writeFileSync(join(this.dir, `${id}.ext`), `${SAN}\n`);
    this.openssl(
      `x509 -req -in ${id}.csr -CA ${id}-ca.pem -CAkey ${id}-ca.key -CAcreateserial -days ${leafDays} -extfile ${id}.ext -out ${id}.pem`,
    );
    return { key: this.file(`${id}.key`), cert: this.file(`${id}.pem`) + this.file(`${id}-ca.pem`) };
  }

  /**
   * A real-world shaped chain: a root CA (`rootDays`) signs an intermediate CA (`intermediateDays`) that
   * signs the leaf (`leafDays`, CN=localhost, SAN IP:127.0.0.1). `cert` is what a server sends (leaf +
   * intermediate, no root); `root` is the root's PEM, for a client's trust store (`ca`, NODE_EXTRA_CA_CERTS,
   * blackbox_exporter's `tls_config.ca_file`); `rootFile` is its path in the temp dir.
   */
  fullChain(
    leafDays: number,
    intermediateDays: number,
    rootDays: number,
  ): CertPair & { root: string; rootFile: string } {
    const id = `full${this.n++}`;
    this.openssl(
      `req -x509 ${EC_KEY} -days ${rootDays} -subj /CN=ProbeTestRoot -keyout ${id}-root.key -out ${id}-root.pem`,
    );
    this.openssl(
      `req -new ${EC_KEY} -subj /CN=ProbeTestIntermediate -keyout ${id}-int.key -out ${id}-int.csr`,
    );
    writeFileSync(
      join(this.dir, `${id}-int.ext`),
      "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n",
    );
    this.openssl(
      `x509 -req -in ${id}-int.csr -CA ${id}-root.pem -CAkey ${id}-root.key -CAcreateserial -days ${intermediateDays} -extfile ${id}-int.ext -out ${id}-int.pem`,
    );
    this.openssl(`req -new ${EC_KEY} -subj /CN=localhost -keyout ${id}.key -out ${id}.csr`);
    writeFileSync(
      join(this.dir, `${id}.ext`),
      `${SAN}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    this.openssl(
      `x509 -req -in ${id}.csr -CA ${id}-int.pem -CAkey ${id}-int.key -CAcreateserial -days ${leafDays} -extfile ${id}.ext -out ${id}.pem`,
    );
    return {
      key: this.file(`${id}.key`),
      cert: this.file(`${id}.pem`) + this.file(`${id}-int.pem`),
      root: this.file(`${id}-root.pem`),
      rootFile: join(this.dir, `${id}-root.pem`),
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
