/**
 * The viewer Lambda handler as deployed behind its Function URL: reports in an S3 bucket (fauxqs, real S3
 * protocol and SDK), the link secret from Secrets Manager (the real @aws-sdk/client-secrets-manager against a
 * local endpoint that answers GetSecretValue like the service), Function URL events (payload 2.0) in,
 * base64 responses out. Also: the secret's cache, and that rotating the secret revokes every link.
 */

import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  linkExpiry,
  secretsManagerLinkSecret,
  signedPath,
  verifyLink,
} from "../../packages/core/src/viewer/index.js";
import { FAUXQS_CREDENTIALS, FAUXQS_REGION, type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";
import { type CaptureServer, startCaptureServer } from "../notify/capture-server.js";

const BUCKET = "sla-reports";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:test-sla-monitor-links-AbCdEf";
const KEY = "reports/monthly/2026-10/report.html";
let secretString = "first-generated-secret-0123456789abcdefghijklmnopqrstuvwxyz";
let fx: Fauxqs;
let sm: CaptureServer;
let handler: typeof import("../../packages/functions/src/viewer.js")["handler"];

/** What Secrets Manager answers to GetSecretValue (JSON 1.1 protocol). */
function secretsManager(): Promise<CaptureServer> {
  return startCaptureServer((req, res) => {
    const target = String(req.headers["x-amz-target"]);
    const body = JSON.stringify(
      target === "secretsmanager.GetSecretValue"
        ? { ARN: SECRET_ARN, Name: "test-sla-monitor-links", SecretString: secretString, VersionId: "v1" }
        : { __type: "InvalidRequestException", message: `unexpected ${target}` },
    );
    res.writeHead(target === "secretsmanager.GetSecretValue" ? 200 : 400, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
}

beforeAll(async () => {
  fx = await startFauxqsServer({ buckets: [BUCKET] });
  sm = await secretsManager();
  await fx.s3().send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: KEY,
      Body: "<!DOCTYPE html><p>October</p>",
      ContentType: "text/html",
    }),
  );
  await fx.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "state/probe-state.json", Body: "{}" }));
  Object.assign(process.env, {
    SLA_BUCKET: BUCKET,
    SLA_LINK_SECRET_ARN: SECRET_ARN,
    AWS_ENDPOINT_URL_S3: fx.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    AWS_REGION: FAUXQS_REGION,
    AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
  });
  ({ handler } = await import("../../packages/functions/src/viewer.js"));
});
afterAll(async () => {
  for (const k of [
    "SLA_BUCKET",
    "SLA_LINK_SECRET_ARN",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  ])
    delete process.env[k];
  await fx?.stop();
  await sm?.close();
});

const enc = (s: string) => new TextEncoder().encode(s);
const event = (rawPath: string, method = "GET") => ({
  rawPath,
  headers: { "accept-encoding": "identity" },
  requestContext: { http: { method } },
});
const bodyOf = (r: { body: string; isBase64Encoded: boolean }) =>
  r.isBase64Encoded ? Buffer.from(r.body, "base64").toString("utf8") : r.body;

describe("viewer Lambda (Function URL)", () => {
  it("serves a report from S3 for a valid link, with the secret read once from Secrets Manager", async () => {
    const exp = linkExpiry(new Date(), 1);
    const r = await handler(event(`/${signedPath(enc(secretString), KEY, exp)}`));
    expect(r.statusCode).toBe(200);
    expect(bodyOf(r)).toBe("<!DOCTYPE html><p>October</p>");
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["cache-control"]).toMatch(/^private/);
    await handler(event(`/${signedPath(enc(secretString), KEY, exp)}`));
    const reads = sm.requests.filter((q) => q.headers["x-amz-target"] === "secretsmanager.GetSecretValue");
    expect(reads).toHaveLength(1);
    expect(JSON.parse(reads[0]!.body.toString("utf8"))).toEqual({ SecretId: SECRET_ARN });
  });

  it("403 without or with a bad signature; 404 for a missing report and for anything outside reports/", async () => {
    const exp = linkExpiry(new Date(), 1);
    expect((await handler(event(`/${KEY}`))).statusCode).toBe(403);
    expect((await handler(event("/"))).statusCode).toBe(403);
    expect((await handler(event(`/${signedPath(enc("y".repeat(48)), KEY, exp)}`))).statusCode).toBe(403);
    const missing = "reports/monthly/1999-01/report.html";
    expect((await handler(event(`/${signedPath(enc(secretString), missing, exp)}`))).statusCode).toBe(404);
    const tree = signedPath(enc(secretString), "reports/index.html", exp, "tree").replace(
      /reports\/index\.html$/,
      "",
    );
    const state = await handler(event(`/${tree}reports/../state/probe-state.json`));
    expect(state.statusCode).toBe(404);
    expect((await handler(event(`/${tree}state/probe-state.json`))).statusCode).toBe(404);
    expect((await handler(event(`/${signedPath(enc(secretString), KEY, exp)}`, "DELETE"))).statusCode).toBe(
      405,
    );
  });
});

describe("the report function's portal link (stack output PortalLinkCommand)", () => {
  it("signs a fresh tree link with the same secret; the viewer Lambda opens the portal and a report with it", async () => {
    await fx.s3().send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "reports/index.html",
        Body: "<!DOCTYPE html><p>portal</p>",
      }),
    );
    Object.assign(process.env, {
      SLA_CONFIG: join(import.meta.dirname, "../report/fixture.config.yaml"),
      SLA_VIEWER_URL: "https://abcdefghijklmnop.lambda-url.us-east-1.on.aws/",
    });
    try {
      const { handler: report } = await import("../../packages/functions/src/report.js");
      const r = await report({ portalLink: true, days: 7 });
      if (!r.ok || !("portal" in r)) throw new Error(JSON.stringify(r));
      expect(r.portal).toMatch(
        /^https:\/\/abcdefghijklmnop\.lambda-url\.us-east-1\.on\.aws\/s\/\d+\/[A-Za-z0-9_-]{43}\/reports\/index\.html$/,
      );
      const days = (Date.parse(r.expires) - Date.now()) / 86400_000;
      expect(days).toBeGreaterThan(6.99);
      expect(days).toBeLessThanOrEqual(7);
      const path = new URL(r.portal).pathname;
      const portal = await handler(event(path));
      expect([portal.statusCode, bodyOf(portal)]).toEqual([200, "<!DOCTYPE html><p>portal</p>"]);
      expect(
        (await handler(event(path.replace("index.html", "monthly/2026-10/report.html")))).statusCode,
      ).toBe(200);
      // a bad payload is still refused by the report handler
      expect((await report({ portalLink: "yes" })).ok).toBe(false);
    } finally {
      delete process.env.SLA_CONFIG;
      delete process.env.SLA_VIEWER_URL;
    }
  });
});

describe("the link secret from Secrets Manager", () => {
  it("is cached for its TTL; after a rotation the old links stop verifying", async () => {
    let t = 0;
    const client = new SecretsManagerClient({
      endpoint: sm.url,
      region: FAUXQS_REGION,
      credentials: FAUXQS_CREDENTIALS,
    });
    const source = secretsManagerLinkSecret(SECRET_ARN, { client, ttlMs: 1000, now: () => t });
    const before = await source();
    const exp = linkExpiry(new Date(), 90);
    const [, e, sig] = signedPath(before, KEY, exp).split("/");
    const nowS = Math.floor(Date.now() / 1000);
    expect(verifyLink(await source(), KEY, e!, sig!, nowS).ok).toBe(true);
    secretString = "rotated-secret-9876543210zyxwvutsrqponmlkjihgfedcba";
    t = 999;
    expect(verifyLink(await source(), KEY, e!, sig!, nowS).ok).toBe(true); // within the TTL: cached
    t = 1000;
    expect(verifyLink(await source(), KEY, e!, sig!, nowS)).toEqual({ ok: false, reason: "bad-signature" });
    client.destroy();
  });
});
