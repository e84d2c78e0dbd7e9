import { createHash, createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { describeAuth, type PrometheusAuth, signRequest } from "./auth.js";

const creds = { accessKeyId: "AKID", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const date = new Date("2026-11-23T12:34:56Z");
const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s).digest();

/** SigV4 computed from the spec with node:crypto, independent of @smithy/signature-v4. */
function expectedSignature(opts: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  signedHeaders: string[];
  secret: string;
  region: string;
  service: string;
}): string {
  const u = new URL(opts.url);
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...u.searchParams]
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = opts.signedHeaders.map((h) => `${h}:${opts.headers[h]!.trim()}\n`).join("");
  const canonical = [
    opts.method,
    u.pathname,
    query,
    canonicalHeaders,
    opts.signedHeaders.join(";"),
    sha256(opts.body),
  ].join("\n");
  const amzDate = opts.headers["x-amz-date"]!;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${opts.secret}`, day);
  for (const part of [opts.region, opts.service, "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(sts).digest("hex");
}

describe("signRequest: SigV4", () => {
  const auth: PrometheusAuth = { type: "sigv4", region: "eu-west-1", credentials: async () => creds };
  const url = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234/api/v1/query";
  const body = "query=sum(up)&time=1727740799.999";

  it("signs a form POST with the aps scope, date and body hash", async () => {
    const h = await signRequest(auth, {
      method: "POST",
      url,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
      signingDate: date,
    });
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/20261123\/eu-west-1\/aps\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/,
    );
    expect(h["x-amz-date"]).toBe("20261123T123456Z");
    expect(h["x-amz-content-sha256"]).toBe(sha256(body));
    expect(h.host).toBe("aps-workspaces.eu-west-1.amazonaws.com");
    expect(h["content-type"]).toBe("application/x-www-form-urlencoded");
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(h.authorization!)![1]!.split(";");
    expect(signedHeaders).toEqual(["content-type", "host", "x-amz-content-sha256", "x-amz-date"]);
    const signature = /Signature=([0-9a-f]+)$/.exec(h.authorization!)![1];
    expect(signature).toBe(
      expectedSignature({
        method: "POST",
        url,
        headers: h,
        body,
        signedHeaders,
        secret: creds.secretAccessKey,
        region: "eu-west-1",
        service: "aps",
      }),
    );
  });

  it("signs a binary body and a GET with a query string, a custom service and a port", async () => {
    const bin = new Uint8Array([0, 1, 2, 255, 254]);
    const custom: PrometheusAuth = { ...auth, service: "custom" } as PrometheusAuth;
    const post = await signRequest(custom, {
      method: "POST",
      url: "https://h.test:8443/rw",
      body: bin,
      signingDate: date,
    });
    expect(post["x-amz-content-sha256"]).toBe(sha256(bin));
    expect(post.host).toBe("h.test:8443");
    expect(post.authorization).toContain("Credential=AKID/20261123/eu-west-1/custom/aws4_request");

    const getUrl = "https://h.test/api/v1/label/job/values?match%5B%5D=up%7Bjob%3D%22a+b%22%7D&start=1";
    const get = await signRequest(auth, { method: "GET", url: getUrl, signingDate: date });
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(get.authorization!)![1]!.split(";");
    expect(/Signature=([0-9a-f]+)$/.exec(get.authorization!)![1]).toBe(
      expectedSignature({
        method: "GET",
        url: getUrl,
        headers: get,
        body: "",
        signedHeaders,
        secret: creds.secretAccessKey,
        region: "eu-west-1",
        service: "aps",
      }),
    );
  });

  it("adds and signs the session token of temporary credentials", async () => {
    const h = await signRequest(
      {
        type: "sigv4",
        region: "us-east-1",
        credentials: async () => ({ ...creds, sessionToken: "TOKEN123" }),
      },
      { method: "POST", url, body, signingDate: date },
    );
    expect(h["x-amz-security-token"]).toBe("TOKEN123");
    expect(h.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
  });

  describe("without explicit credentials", () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = saved;
    });
    it("loads them with the AWS default provider chain (here: environment)", async () => {
      process.env.AWS_ACCESS_KEY_ID = "AKIDENV";
      process.env.AWS_SECRET_ACCESS_KEY = "secretenv";
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      const h = await signRequest(
        { type: "sigv4", region: "eu-central-1" },
        { method: "POST", url, body, signingDate: date },
      );
      expect(h.authorization).toContain("Credential=AKIDENV/20261123/eu-central-1/aps/aws4_request");
    });
  });
});

describe("signRequest: basic, bearer, none", () => {
  it("adds a Basic header", async () => {
    const h = await signRequest(
      { type: "basic", username: "alice", password: "s3cr:et" },
      { method: "GET", url: "http://x" },
    );
    expect(h).toEqual({ authorization: `Basic ${Buffer.from("alice:s3cr:et").toString("base64")}` });
  });

  it("refuses a username with a colon", async () => {
    await expect(
      signRequest({ type: "basic", username: "a:b", password: "p" }, { method: "GET", url: "http://x" }),
    ).rejects.toThrow(/must not contain ':'/);
  });

  it("adds a Bearer header and keeps the given headers (lower-cased)", async () => {
    const h = await signRequest(
      { type: "bearer", token: "tok-123" },
      { method: "POST", url: "http://x", headers: { "Content-Type": "text/plain" } },
    );
    expect(h).toEqual({ authorization: "Bearer tok-123", "content-type": "text/plain" });
  });

  it("adds nothing for none / undefined", async () => {
    expect(
      await signRequest({ type: "none" }, { method: "GET", url: "http://x", headers: { A: "1" } }),
    ).toEqual({ a: "1" });
    expect(await signRequest(undefined, { method: "GET", url: "http://x" })).toEqual({});
  });

  it("describes auth without secrets", () => {
    const all = [
      describeAuth({ type: "basic", username: "alice", password: "pw-secret" }),
      describeAuth({ type: "bearer", token: "tok-secret" }),
      describeAuth({ type: "sigv4", region: "eu-west-1", credentials: async () => creds }),
      describeAuth(undefined),
    ].join(" ");
    expect(all).not.toMatch(/alice|pw-secret|tok-secret|AKID|wJalr/);
    expect(all).toContain("sigv4 (aps, eu-west-1)");
  });
});
