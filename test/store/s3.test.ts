/**
 * S3ObjectStore with the real @aws-sdk/client-s3 against fauxqs (S3 emulator) on 127.0.0.1, and against a
 * tiny S3-speaking HTTP server for the conditional-write failures fauxqs does not produce (it ignores
 * If-None-Match / If-Match on PutObject).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  markOnce,
  ObjectStoreError,
  PreconditionFailedError,
  S3ObjectStore,
  StateStore,
} from "../../packages/core/src/store/index.js";
import { type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";
import { type S3PolicyProxy, startS3PolicyProxy } from "../helpers/s3-policy-proxy.js";
import { type CaptureServer, startCaptureServer, xml } from "../notify/capture-server.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("S3ObjectStore on fauxqs", () => {
  let fx: Fauxqs;
  beforeAll(async () => {
    fx = await startFauxqsServer({ buckets: ["sla-reports"] });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("round-trips text and binary bodies with content types and etags", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", prefix: "/prod/", client: fx.s3() });
    expect(store.describe()).toBe("s3://sla-reports/prod");
    const bin = new Uint8Array(1024).map((_, i) => (i * 7) % 256);
    const put = await store.put("reports/monthly/2026-10/report.html", "<h1>Oktober ✓</h1>");
    expect(put.etag).not.toBe("");
    await store.put("reports/monthly/2026-10/report.csv", "slo,attainment\na,0.999\n");
    await store.put("blobs/x.bin", bin);
    await store.put("reports/custom.json", "{}", { contentType: "application/vnd.sla+json" });

    const html = await store.get("reports/monthly/2026-10/report.html");
    expect(text(html!.body)).toBe("<h1>Oktober ✓</h1>");
    expect(html!.contentType).toBe("text/html; charset=utf-8");
    expect(html!.etag).toBe(put.etag);
    expect((await store.get("reports/monthly/2026-10/report.csv"))!.contentType).toBe(
      "text/csv; charset=utf-8",
    );
    expect((await store.get("reports/custom.json"))!.contentType).toBe("application/vnd.sla+json");
    const b = await store.get("blobs/x.bin");
    expect(Array.from(b!.body)).toEqual(Array.from(bin));

    // keys live under the prefix in the bucket
    const raw = new S3ObjectStore({ bucket: "sla-reports", client: fx.s3() });
    expect((await raw.get("prod/blobs/x.bin"))!.body.byteLength).toBe(1024);
    expect(await raw.list("prod/blobs/")).toEqual(["prod/blobs/x.bin"]);
  });

  it("returns null for a missing key (NoSuchKey) and names bucket and key for other errors", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", client: fx.s3() });
    expect(await store.get("nothing/here.json")).toBeNull();
    const missingBucket = new S3ObjectStore({ bucket: "no-such-bucket", client: fx.s3() });
    const err = await missingBucket.get("a.json").catch((e) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect(err.message).toMatch(/S3 GetObject s3:\/\/no-such-bucket\/a\.json failed: NoSuchBucket/);
    await expect(missingBucket.put("a.json", "x")).rejects.toThrow(
      /S3 PutObject s3:\/\/no-such-bucket\/a\.json failed/,
    );
  });

  it("lists across pages (MaxKeys) relative to the store prefix", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", prefix: "paged", client: fx.s3(), pageSize: 2 });
    const keys = Array.from({ length: 7 }, (_, i) => `state/k${i}.json`);
    for (const k of keys) await store.put(k, "{}");
    await store.put("other/x.json", "{}");
    expect(await store.list("state/")).toEqual(keys);
    expect(await store.list("")).toEqual(["other/x.json", ...keys]);
    expect(await store.list("nope/")).toEqual([]);
  });

  it("rejects invalid keys before any request", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", client: fx.s3() });
    await expect(store.put("../x", "y")).rejects.toThrow(/invalid object key/);
    await expect(store.get("/abs")).rejects.toThrow(/absolute/);
  });

  it("StateStore and markOnce work sequentially on S3 (a retried run sees its marker)", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", prefix: "idem", client: fx.s3() });
    expect(await markOnce(store, "notifications/2026-10/summary.json", "{}")).toBe(true);
    expect(await markOnce(store, "notifications/2026-10/summary.json", "{}")).toBe(false);
    const state = new StateStore<string[]>(store);
    await state.readModifyWrite("index.json", (p) => [...(p ?? []), "a"]);
    const r = await state.readModifyWrite("index.json", (p) => [...(p ?? []), "b"]);
    expect(r).toEqual({ value: ["a", "b"], attempts: 1, written: true });
    expect((await state.get("index.json"))!.value).toEqual(["a", "b"]);
    expect((await store.get("index.json"))!.contentType).toBe("application/json; charset=utf-8");
  });
});

describe("S3ObjectStore under a policy that lists only with the function's prefixes", () => {
  // The probe's deployed policy (infra/aws/grants.ts): objects and ListBucket under state/ only, and no
  // ListBucket without a prefix, so S3 answers a GET of a missing key with 403, not 404.
  const BUCKET = "sla-policy";
  let fx: Fauxqs;
  let proxy: S3PolicyProxy;
  beforeAll(async () => {
    fx = await startFauxqsServer({ buckets: [BUCKET] });
    proxy = await startS3PolicyProxy(fx.endpoint, BUCKET, { objects: ["state/"], list: ["state/"] });
  });
  afterAll(async () => {
    await proxy?.close();
    await fx?.stop();
  });
  const store = () =>
    new S3ObjectStore({ bucket: BUCKET, client: fx.s3({ endpoint: proxy.url, maxAttempts: 1 }) });
  const logOf = async (f: () => Promise<unknown>) => {
    proxy.log.length = 0;
    await f().catch(() => {});
    return [...proxy.log];
  };

  it("a missing key: GetObject is refused (403), listing that exact key finds nothing, so it is absent", async () => {
    const s = store();
    await s.put("state/probe-state.json.bak", "{}"); // shares the prefix, is not the key
    expect(await s.get("state/probe-state.json")).toBeNull();
    expect(await logOf(() => s.get("state/probe-state.json"))).toEqual([
      "GET state/probe-state.json (missing) -> 403",
      "GET ?prefix=state/probe-state.json -> 200",
    ]);
  });

  it("a first state is created from nothing (StateStore, markOnce) and read back", async () => {
    const s = store();
    const r = await new StateStore<{ n: number }>(s).readModifyWrite("state/counter.json", (prev) => ({
      n: (prev?.n ?? 0) + 1,
    }));
    expect(r).toMatchObject({ written: true, value: { n: 1 } });
    expect(await markOnce(s, "state/once.json", "x")).toBe(true);
    expect(await markOnce(s, "state/once.json", "x")).toBe(false);
    expect(text((await s.get("state/counter.json"))!.body)).toContain('"n": 1');
  });

  it("an object that exists but GetObject refuses (a key or bucket policy) is an access error, not absent", async () => {
    const s = store();
    await s.put("state/sealed.json", "{}");
    proxy.deniedReads.add("state/sealed.json");
    const err = await s.get("state/sealed.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect((err as ObjectStoreError).code).toBe("AccessDenied");
    expect((err as Error).message).toMatch(
      /^S3 GetObject s3:\/\/sla-policy\/state\/sealed\.json failed: AccessDenied \(HTTP 403\)/,
    );
  });

  it("outside the function's prefixes the listing is refused as well, so the 403 stands", async () => {
    const s = store();
    const err = await s.get("reports/index.json").catch((e: unknown) => e);
    expect((err as ObjectStoreError).code).toBe("AccessDenied");
    expect(await logOf(() => s.get("reports/index.json"))).toEqual([
      "GET reports/index.json -> 403",
      "GET ?prefix=reports/index.json -> 403",
    ]);
    // and nobody lists the whole bucket
    await expect(s.list("")).rejects.toThrow(/ListObjectsV2 .* failed: AccessDenied \(HTTP 403\)/);
  });
});

describe("S3ObjectStore conditional-write failures (S3-speaking test server)", () => {
  let srv: CaptureServer;
  let mode: "412" | "409" | "403" | "ok" = "412";
  beforeAll(async () => {
    srv = await startCaptureServer((req, res) => {
      if (req.method === "GET") {
        return xml(
          res,
          404,
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`,
        );
      }
      if (req.method !== "PUT") return xml(res, 400, "<Error><Code>BadRequest</Code></Error>");
      if (mode === "ok") return xml(res, 200, "", { etag: '"abc"' });
      if (mode === "412") {
        return xml(
          res,
          412,
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition><RequestId>R1</RequestId><HostId>H1</HostId></Error>`,
        );
      }
      if (mode === "409") {
        return xml(
          res,
          409,
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code><Message>A conflicting operation occurred. If using PutObject you can retry the request.</Message><RequestId>R2</RequestId></Error>`,
        );
      }
      return xml(
        res,
        403,
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R3</RequestId></Error>`,
      );
    });
  });
  afterAll(async () => {
    await srv?.close();
  });

  const client = () =>
    new S3Client({
      endpoint: srv.url,
      forcePathStyle: true,
      region: "eu-central-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" },
      maxAttempts: 1,
    });

  it("maps 412 PreconditionFailed to PreconditionFailedError and sends If-None-Match: *", async () => {
    mode = "412";
    srv.requests.length = 0;
    const store = new S3ObjectStore({ bucket: "sla-reports", prefix: "prod", client: client() });
    const err = await store.put("notifications/x.json", "{}", { ifNoneMatch: "*" }).catch((e) => e);
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(err.message).toContain("s3://sla-reports/prod/notifications/x.json");
    expect(err.condition).toBe("if-none-match");
    expect(srv.requests).toHaveLength(1);
    const req = srv.requests[0]!;
    expect(req.method).toBe("PUT");
    expect(req.url.split("?")[0]).toBe("/sla-reports/prod/notifications/x.json");
    expect(req.headers["if-none-match"]).toBe("*");
    expect(req.headers["if-match"]).toBeUndefined();
    expect(req.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(req.headers["x-amz-server-side-encryption"]).toBeUndefined();
    expect(req.body.toString()).toBe("{}");

    // markOnce: the read says "absent" (404 NoSuchKey -> null), the conditional create loses (412) -> false
    srv.requests.length = 0;
    expect(await markOnce(store, "notifications/y.json", "{}")).toBe(false);
    expect(srv.requests.map((r) => `${r.method} ${r.headers["if-none-match"] ?? "-"}`)).toEqual([
      "GET -",
      "PUT *",
    ]);
  });

  it("sends If-Match and maps 412 and 409 ConditionalRequestConflict to PreconditionFailedError", async () => {
    const store = new S3ObjectStore({ bucket: "sla-reports", client: client() });
    for (const m of ["412", "409"] as const) {
      mode = m;
      srv.requests.length = 0;
      const err = await store.put("state/breach.json", "{}", { ifMatch: '"etag-1"' }).catch((e) => e);
      expect(err).toBeInstanceOf(PreconditionFailedError);
      expect(err.condition).toBe("if-match");
      expect(srv.requests[0]!.headers["if-match"]).toBe('"etag-1"');
      expect(srv.requests[0]!.headers["if-none-match"]).toBeUndefined();
    }
  });

  it("other errors name bucket, key, code and status", async () => {
    mode = "403";
    const store = new S3ObjectStore({ bucket: "sla-reports", client: client() });
    const err = await store.put("reports/r.json", "{}").catch((e) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect(err).not.toBeInstanceOf(PreconditionFailedError);
    expect(err.message).toMatch(
      /S3 PutObject s3:\/\/sla-reports\/reports\/r\.json failed: AccessDenied \(HTTP 403\)/,
    );
    expect(err.status).toBe(403);
    expect(err.message).not.toContain("secret-example");
  });

  it("returns the server's etag on success", async () => {
    mode = "ok";
    const store = new S3ObjectStore({ bucket: "sla-reports", client: client() });
    expect(await store.put("a.txt", "x", { ifNoneMatch: "*" })).toEqual({ etag: '"abc"' });
  });
});
