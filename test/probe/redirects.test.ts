/**
 * Redirects against real peers on 127.0.0.1: chains are followed inside the one total deadline and counted,
 * loops and long chains end fast with cause "redirect", credentials stay with the target's origin (another
 * port is another origin), https→http is refused unless allowed, 301/302/303 turn POST into GET, and
 * `followRedirects: false` judges the 3xx itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeTarget } from "../../packages/core/src/probe/index.js";
import {
  CertFactory,
  type HostileServer,
  type ReceivedRequest,
  startHostileHttp,
  startHostileHttps,
} from "../helpers/hostile-servers.js";
import { probeAtDeadline, spec } from "./spec.js";

const certs = new CertFactory();
let a: HostileServer; // the target's origin
let b: HostileServer; // another origin: same host, another port
let s: HostileServer; // https, self-signed (probes skip verification)

beforeAll(async () => {
  [a, b, s] = await Promise.all([
    startHostileHttp(),
    startHostileHttp(),
    startHostileHttps(certs.selfSigned(30)),
  ]);
});
afterAll(async () => {
  await Promise.all([a, b, s].map((x) => x?.close()));
  certs.cleanup();
});

/** `<server>/to?location=...`: a redirect (302 unless `code`) to `location`. */
const to = (server: HostileServer, location: string, code?: number) =>
  `${server.url}/to?location=${encodeURIComponent(location)}${code ? `&code=${code}` : ""}`;

const last = (server: HostileServer, path: string): ReceivedRequest => {
  const found = server.received.filter((r) => r.path === path).at(-1);
  if (!found) throw new Error(`${server.url} received no ${path}`);
  return found;
};

const insecure = { tls: { insecureSkipVerify: true } };

describe("following", () => {
  it("a chain of 3 redirects to a 200 succeeds, counts 3 and judges the final answer", async () => {
    const r = await probeTarget(
      spec(`${a.url}/chain/3`, { expect: { status: [], bodyMatches: "^end of chain$", maxBodyBytes: 1024 } }),
    );
    expect(r).toMatchObject({ success: true, status: 200, cause: null, redirects: 3, bodyBytes: 12 });
    expect(r.url).toBe(`${a.url}/chain/3`); // the target, not where it ended
    expect(r.phases.firstByteMs).toBeGreaterThanOrEqual(0); // the last hop's phases
    expect(r.phases.transferMs).toBeGreaterThanOrEqual(0);
  });

  it("maxRedirects bounds the chain: 3 allowed passes /chain/3 and fails /chain/4", async () => {
    const expect3 = { status: [], maxBodyBytes: 1024, maxRedirects: 3 };
    expect(await probeTarget(spec(`${a.url}/chain/3`, { expect: expect3 }))).toMatchObject({
      success: true,
      redirects: 3,
    });
    const r = await probeTarget(spec(`${a.url}/chain/4`, { expect: expect3 }));
    expect(r).toMatchObject({ success: false, cause: "redirect", status: 302, redirects: 3 });
    expect(r.causeDetail).toMatch(
      /^more than maxRedirects \(3\) redirects: 302 from “.*\/chain\/1” to “.*\/chain\/0”$/,
    );
  });

  it("an endless chain ends after maxRedirects (10) hops with cause redirect, long before the deadline", async () => {
    const before = a.requests.length;
    const r = await probeTarget(spec(`${a.url}/chain/1000`, { timeoutMs: 20_000 }));
    expect(r).toMatchObject({ success: false, cause: "redirect", status: 302, redirects: 10 });
    expect(r.causeDetail).toContain("more than maxRedirects (10) redirects");
    expect(a.requests.length - before).toBe(11); // the target and 10 redirects, then stop
    expect(r.durationMs).toBeLessThan(20_000); // ended by the bound, not by the deadline
  });

  it("a loop (here a 302 to itself) ends at the first repeat with cause redirect, not at the deadline", async () => {
    const r = await probeTarget(spec(`${a.url}/redirect`, { timeoutMs: 20_000 }));
    expect(r).toMatchObject({ success: false, cause: "redirect", status: 302, redirects: 0 });
    expect(r.causeDetail).toMatch(/^redirect loop: /);
    // a longer loop: A → B → A
    const back = to(a, to(b, `${a.url}/redirect`));
    const r2 = await probeTarget(spec(back, { timeoutMs: 20_000 }));
    expect(r2).toMatchObject({ success: false, cause: "redirect", redirects: 2 });
    expect(r2.causeDetail).toMatch(/^redirect loop: 302 from “.*\/redirect” back to “.*\/redirect/);
    expect(r2.durationMs).toBeLessThan(20_000);
  });

  it("all hops share the one total deadline: a redirect to a hanging page ends at the deadline", async () => {
    const { result } = await probeAtDeadline(spec(to(a, "/hang"), { timeoutMs: 500 }));
    expect(result).toMatchObject({ cause: "timeout:headers", redirects: 1, status: null });
  });

  it("followRedirects: false keeps the old result: the 3xx is judged by expect.status", async () => {
    const no = { status: [], maxBodyBytes: 1024, followRedirects: false };
    const r = await probeTarget(spec(`${a.url}/chain/3`, { expect: no }));
    expect(r).toMatchObject({ success: false, cause: "redirect", status: 302, redirects: 0 });
    expect(r.causeDetail).toMatch(/^302 redirect to “\/chain\/2” not followed \(followRedirects is false\)/);
    const accepted = await probeTarget(
      spec(`${a.url}/chain/3`, { expect: { ...no, status: [{ min: 302, max: 302 }] } }),
    );
    expect(accepted).toMatchObject({ success: true, status: 302, redirects: 0 });
  });
});

describe("credentials and origins", () => {
  const headers = {
    authorization: "Bearer t0ken-value",
    Cookie: "session=c00kie-value",
    "x-api-key": "k3y-value",
    "x-vault": "v4ult-value", // a secret by reference (env/SSM), whatever its name
    "x-trace-id": "trace-1",
    accept: "text/plain",
  };
  const withCreds = { headers, secretHeaders: ["X-Vault"] };
  const secretNames = ["authorization", "cookie", "x-api-key", "x-vault"];

  it("a same-origin hop receives Authorization, Cookie and secret headers", async () => {
    const r = await probeTarget(spec(to(a, "/echo"), withCreds));
    expect(r).toMatchObject({ success: true, redirects: 1 });
    const seen = last(a, "/echo").headers;
    expect(seen).toMatchObject({
      authorization: headers.authorization,
      cookie: headers.Cookie,
      "x-api-key": "k3y-value",
      "x-vault": "v4ult-value",
      "x-trace-id": "trace-1",
    });
  });

  it("another origin (another port) gets neither Authorization, Cookie nor secret headers; plain ones it does", async () => {
    const r = await probeTarget(spec(to(a, `${b.url}/echo`), withCreds));
    expect(r).toMatchObject({ success: true, status: 200, redirects: 1 });
    expect(last(a, "/to").headers).toMatchObject({ authorization: headers.authorization }); // the target got them
    const seen = last(b, "/echo").headers;
    for (const name of secretNames) expect(seen[name]).toBeUndefined();
    expect(seen).toMatchObject({ "x-trace-id": "trace-1", accept: "text/plain" });
    expect(seen["user-agent"]).toMatch(/^sla-monitor-probe/);
    const text = JSON.stringify(r);
    for (const v of Object.values(headers).slice(0, 4)) expect(text).not.toContain(v);
  });

  it("URL userinfo (sent as basic auth) stays with the target's origin too", async () => {
    const target = to(a, `${b.url}/echo`).replace("http://", "http://probe-user:pa55word@");
    const r = await probeTarget(spec(target));
    expect(r).toMatchObject({ success: true, redirects: 1 });
    expect(last(a, "/to").headers.authorization).toMatch(/^Basic /);
    expect(last(b, "/echo").headers.authorization).toBeUndefined();
  });

  it("back on the target's origin after another one, the credentials are sent again", async () => {
    const r = await probeTarget(spec(to(a, to(b, `${a.url}/echo`)), withCreds));
    expect(r).toMatchObject({ success: true, redirects: 2 });
    expect(last(b, "/to").headers.authorization).toBeUndefined();
    expect(last(a, "/echo").headers).toMatchObject({
      authorization: headers.authorization,
      cookie: headers.Cookie,
    });
  });
});

describe("schemes", () => {
  it("https → http is refused with cause redirect (URL redacted in the detail), unless allowInsecureRedirects", async () => {
    const before = a.requests.length;
    const insecureTarget = `${a.url}/ok?access_token=s3cr3t-in-query`;
    const r = await probeTarget(spec(to(s, insecureTarget), insecure));
    expect(r).toMatchObject({ success: false, cause: "redirect", status: 302, redirects: 0 });
    expect(r.causeDetail).toContain("from https to “http://127.0.0.1");
    expect(r.causeDetail).toContain("allowInsecureRedirects");
    expect(r.causeDetail).toContain("access_token=<redacted>");
    expect(r.causeDetail).not.toContain("s3cr3t-in-query");
    expect(a.requests.length).toBe(before); // nothing was sent over http
    const allowed = await probeTarget(
      spec(to(s, `${a.url}/ok`), {
        ...insecure,
        expect: { status: [], maxBodyBytes: 1024, allowInsecureRedirects: true },
      }),
    );
    expect(allowed).toMatchObject({ success: true, status: 200, redirects: 1 });
    expect(allowed.tls).toBeUndefined(); // TLS facts are the last hop's, and it had none
  });

  it("http → https is followed; TLS facts and phases come from the https hop", async () => {
    const r = await probeTarget(spec(to(a, `${s.url}/ok`), insecure));
    expect(r).toMatchObject({ success: true, status: 200, redirects: 1 });
    expect(r.tls?.subject).toBe("localhost");
    expect(r.phases.tlsMs).toBeGreaterThanOrEqual(0);
  });
});

describe("methods", () => {
  const post = {
    method: "POST" as const,
    body: '{"ping":1}',
    headers: { "content-type": "application/json" },
  };
  const judge = (bodyMatches: string) => ({ status: [], bodyMatches, maxBodyBytes: 1024 });

  it("a POST answered by 303 (or 301/302) continues as a GET without body", async () => {
    for (const code of [303, 302, 301]) {
      const r = await probeTarget(spec(to(a, "/echo", code), { ...post, expect: judge("^GET $") }));
      expect(r).toMatchObject({ success: true, status: 200, redirects: 1 });
      expect(last(a, "/to")).toMatchObject({ method: "POST", body: '{"ping":1}' });
      const seen = last(a, "/echo");
      expect(seen).toMatchObject({ method: "GET", body: "" });
      expect(seen.headers["content-type"]).toBeUndefined(); // no body, no body headers
    }
  });

  it("307 and 308 keep the method and the body", async () => {
    for (const code of [307, 308]) {
      const r = await probeTarget(
        spec(to(a, "/echo", code), { ...post, expect: judge('^POST \\{"ping":1\\}$') }),
      );
      expect(r).toMatchObject({ success: true, redirects: 1 });
      expect(last(a, "/echo").headers["content-type"]).toBe("application/json");
    }
  });

  it("HEAD stays HEAD across a 302", async () => {
    const r = await probeTarget(spec(`${a.url}/chain/1`, { method: "HEAD" }));
    expect(r).toMatchObject({ success: true, status: 200, redirects: 1, bodyBytes: 0 });
    expect(last(a, "/chain/0").method).toBe("HEAD");
  });
});
