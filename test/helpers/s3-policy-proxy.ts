/**
 * An S3 endpoint that answers as S3 does for a caller holding the deployed IAM policy of one function
 * (infra/aws/grants.ts), in front of the S3 emulator (fauxqs), which enforces no IAM:
 * - object requests (GET/HEAD/PUT) outside the function's object prefixes: 403 AccessDenied;
 * - ListObjects(V2) without a `prefix`, or with one outside the list prefixes: 403 AccessDenied (the policy's
 *   `StringLike` on `s3:prefix` requires a prefix);
 * - GET/HEAD of a key that does not exist: 403 AccessDenied instead of 404 NoSuchKey, because S3 tells a
 *   missing key apart only to callers that may ListBucket without a prefix (`listWithoutPrefix`, the old
 *   `StringLikeIfExists` policy, keeps S3's 404);
 * - `deniedReads`: keys whose GET is refused although they exist (a KMS key policy, a bucket policy).
 * Everything else is passed to the emulator as it is. Listens on 127.0.0.1; `close()` stops it.
 */
import { request } from "node:http";
import { xml } from "../notify/capture-server.js";
import { type LocalServer, startServer } from "../prometheus/local-servers.js";

export interface FunctionPolicy {
  /** key prefixes of s3:GetObject / s3:PutObject (`state/`, ...) */
  objects: readonly string[];
  /** key prefixes s3:ListBucket requests must name (`StringLike` `s3:prefix` = `<prefix>*`) */
  list: readonly string[];
  /** a ListBucket without a prefix is allowed too (`StringLikeIfExists`) */
  listWithoutPrefix?: boolean;
}

export interface S3PolicyProxy {
  url: string;
  /** `<METHOD> <key or ?list prefix> -> <status>` per request, in order */
  log: string[];
  policy: FunctionPolicy;
  deniedReads: Set<string>;
  close(): Promise<void>;
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>POLICY0000000001</RequestId><HostId>policy-proxy</HostId></Error>';

export async function startS3PolicyProxy(
  upstream: string,
  bucket: string,
  policy: FunctionPolicy,
): Promise<S3PolicyProxy> {
  const up = new URL(upstream);
  const p: S3PolicyProxy = { url: "", log: [], policy, deniedReads: new Set(), close: async () => {} };
  const server: LocalServer = await startServer(async (req, res) => {
    const url = new URL(req.url, "http://proxy");
    const [, b = "", ...rest] = url.pathname.split("/");
    const key = rest.map(decodeURIComponent).join("/");
    const denied = (what: string) => {
      p.log.push(`${req.method} ${what} -> 403`);
      if (req.method === "HEAD") {
        res.writeHead(403).end();
        return;
      }
      xml(res, 403, ACCESS_DENIED);
    };
    if (decodeURIComponent(b) !== bucket) return denied(`/${b}`);
    let what = key;
    if (key === "") {
      const prefix = url.searchParams.get("prefix");
      what = `?prefix=${prefix ?? "(none)"}`;
      const allowed =
        prefix === null
          ? p.policy.listWithoutPrefix === true
          : p.policy.list.some((l) => prefix.startsWith(l));
      if (!allowed) return denied(what);
    } else if (!p.policy.objects.some((o) => key.startsWith(o))) return denied(key);
    else if (req.method === "GET" && p.deniedReads.has(key)) return denied(key);

    const forwarded = await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>(
      (resolve, reject) => {
        const out = request(
          {
            host: up.hostname,
            port: up.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: up.host },
          },
          async (r) => {
            const chunks: Buffer[] = [];
            for await (const c of r) chunks.push(c as Buffer);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(r.headers)) if (typeof v === "string") headers[k] = v;
            resolve({ status: r.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          },
        );
        out.on("error", reject);
        out.end(req.body);
      },
    );
    const read = req.method === "GET" || req.method === "HEAD";
    if (key !== "" && read && forwarded.status === 404 && !p.policy.listWithoutPrefix) {
      return denied(`${key} (missing)`);
    }
    p.log.push(`${req.method} ${what} -> ${forwarded.status}`);
    delete forwarded.headers["transfer-encoding"];
    forwarded.headers["content-length"] = String(forwarded.body.length);
    res.writeHead(forwarded.status, forwarded.headers).end(forwarded.body);
  });
  p.url = server.url;
  p.close = () => server.close();
  return p;
}
