/**
 * One boundary for secrets (DESIGN §9), end to end. Four secrets are planted:
 * - a target header `Authorization: Bearer SUPERSECRET123`, read through `{ env }`;
 * - the Prometheus bearer token (`{ env }`), which a Prometheus stand-in echoes in its 401/500 bodies and
 *   in its answer to a remote write;
 * - a query-string token (`token=QUERYSECRET...`, URL-encoded inside a `next=` parameter) in redirect
 *   Locations;
 * - a password in a target URL's userinfo, which the probe sends as `Basic base64(user:password)` and a peer
 *   reflects in its Location.
 * Peers redirect to URLs carrying them (followed to a 401, in a loop, not followed), the remote write fails,
 * SNS publishes fail (the endpoint's error reflects a token), reports run against the echoing stand-in
 * (in process with runReport, and through the `sla` bin), and every output is searched for every secret,
 * raw, URL-encoded (once and twice) and base64: CLI stdout/stderr, every file under each out dir (state,
 * outbox, reports, index, markers), the SNS requests on the wire, the remote-write bodies, the Lambda
 * logger's lines. No hits, while the outputs are there and do report the failures.
 */
import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { uncompress } from "snappyjs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../packages/core/src/config/index.js";
import type { BreachState } from "../../packages/core/src/probe/breach.js";
import { PROBE_STATE_KEY, runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { createRuntime, probeDeps, reportDeps } from "../../packages/core/src/runtime.js";
import { type CaptureServer, startCaptureServer, xml } from "../notify/capture-server.js";
import { type LocalServer, startServer } from "../prometheus/local-servers.js";
import { NOW, OCTOBER, TempDirs } from "./helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");
const promUrl = inject("prometheusUrl");

const HEADER_TOKEN = "SUPERSECRET123";
const PROM_TOKEN = "PROMTOKEN/9f+8e=";
const QUERY_TOKEN = "QUERYSECRET-4d2e";
const TARGET_USER = "probe";
const TARGET_PASS = "T4RGETPASS";
const BASIC = Buffer.from(`${TARGET_USER}:${TARGET_PASS}`).toString("base64");
const SLACK = "<!channel> *ACTION REQUIRED* <https://evil.example/sso|Re-authenticate here> <@U012AB3CD>";
const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-alerts";

/** Every spelling searched for: raw, URL-encoded once and twice, base64 (the Basic credential too). */
const FORBIDDEN: string[] = [
  ...new Set(
    [HEADER_TOKEN, PROM_TOKEN, QUERY_TOKEN, TARGET_PASS, BASIC].flatMap((s) => [
      s,
      encodeURIComponent(s),
      encodeURIComponent(encodeURIComponent(s)),
      Buffer.from(s).toString("base64"),
    ]),
  ),
];

function leaks(where: string, text: string): string[] {
  return FORBIDDEN.filter((f) => text.includes(f)).map((f) => `${where}: ${f}`);
}

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out.set(p.slice(dir.length + 1), await readFile(p, "utf8"));
  }
  return out;
}

async function leaksUnder(dir: string): Promise<string[]> {
  return [...(await filesUnder(dir))].flatMap(([name, text]) => leaks(name, text));
}

const dirs = new TempDirs();
let peer: LocalServer;
let prom: LocalServer;
let sns: CaptureServer;
/** how the Prometheus stand-in answers queries: echo the Authorization header in a 401 or 500, or pass */
let promMode: 401 | 500 | "pass" | "straddle" = 401;
let configFile: string;
const envBackup: Record<string, string | undefined> = {};
const SDK_ENV = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "not-a-real-secret",
  AWS_REGION: "eu-central-1",
  AWS_EC2_METADATA_DISABLED: "true",
};
const SECRET_ENV = {
  SLA_TEST_HEADER_TOKEN: `Bearer ${HEADER_TOKEN}`,
  SLA_TEST_PROM_TOKEN: PROM_TOKEN,
};

const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(302, { location }).end();
};

beforeAll(async () => {
  // The monitored peer: redirects that carry the secrets back, ending in 401s.
  const nextWithToken = `%2Fnext%3Ftoken%3D${QUERY_TOKEN}%26x%3D1`;
  peer = await startServer((req, res) => {
    const presented = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    const path = req.url.split("?")[0];
    if (path === "/a") return redirect(res, `/login?next=${nextWithToken}`);
    if (path === "/b") return redirect(res, `/denied?presented=${encodeURIComponent(presented)}`);
    if (path === "/c") return redirect(res, `/c2?next=${nextWithToken}&presented=${presented}`);
    if (path === "/c2") return redirect(res, req.url); // a loop: the Location text lands in the cause
    if (path === "/d") {
      return redirect(res, `/denied?presented=${presented}&next=%252Fcb%253Fcode%253D${QUERY_TOKEN}`);
    }
    if (path === "/e")
      return redirect(res, `/denied?seen=${encodeURIComponent(req.headers.authorization ?? "")}`);
    if (path === "/f") return redirect(res, SLACK);
    // the quoted Location is cut at 300 characters 7 characters into the presented token
    if (path === "/g") return redirect(res, `/denied?pad=${"p".repeat(270)}&presented=${presented}`);
    res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" });
    res.end(`unauthorized; you presented ${req.headers.authorization ?? "nothing"}`);
  });

  // The Prometheus stand-in: remote write always fails, echoing the Authorization header; queries echo it
  // in a 401 or 500, or are passed to the real Prometheus.
  prom = await startServer(async (req, res) => {
    const echo = `denied: Authorization: ${req.headers.authorization ?? "(none)"}`;
    if (req.url.startsWith("/api/v1/write")) {
      res.writeHead(401, { "content-type": "text/plain" }).end(echo);
      return;
    }
    if (promMode === "straddle") {
      // a proxy's errorType (cut at 100 characters) and error (cut at 300) run into the token
      const errorType = `${"e".repeat(92)}${PROM_TOKEN}`;
      const error = `${"x".repeat(280)} Authorization: Bearer ${PROM_TOKEN}`;
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "error", errorType, error }));
      return;
    }
    if (promMode !== "pass") {
      const body = JSON.stringify({ status: "error", errorType: "auth", error: echo });
      res.writeHead(promMode, { "content-type": "application/json" }).end(body);
      return;
    }
    const up = await fetch(`${promUrl}${req.url}`, {
      method: req.method,
      headers: { "content-type": String(req.headers["content-type"] ?? "application/x-www-form-urlencoded") },
      ...(req.method === "POST" ? { body: new Uint8Array(req.body) } : {}),
    });
    res.writeHead(up.status, { "content-type": up.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await up.arrayBuffer()));
  });

  // SNS refuses every publish; its error message reflects what it was sent and (a hostile proxy in front of
  // it) a bearer token, so the publish error itself carries a secret.
  sns = await startCaptureServer((req, res) => {
    const subject = new URLSearchParams(req.body.toString("utf8")).get("Subject") ?? "";
    xml(
      res,
      400,
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: rejected "${subject.replace(/[<&]/g, "")}"; the proxy saw Authorization: Bearer ${HEADER_TOKEN}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`,
    );
  });

  // The config: fixture SLOs (so a report against the real Prometheus has breaches) and the hostile targets.
  const fixture = parseYaml(await readFile(join(ROOT, "test/report/fixture.config.yaml"), "utf8")) as {
    calendar: unknown;
    slos: { name: string }[];
  };
  const auth = { Authorization: { env: "SLA_TEST_HEADER_TOKEN" } };
  const port = new URL(peer.url).port;
  const dir = await dirs.make("sla-secrets-config-");
  configFile = join(dir, "sla.config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      calendar: fixture.calendar,
      targets: [
        { name: "login-redirect", url: `${peer.url}/a`, headers: auth, timeoutMs: 5000 },
        { name: "token-redirect", url: `${peer.url}/b`, headers: auth, timeoutMs: 5000 },
        { name: "redirect-loop", url: `${peer.url}/c`, headers: auth, timeoutMs: 5000 },
        {
          name: "not-followed",
          url: `${peer.url}/d`,
          headers: auth,
          timeoutMs: 5000,
          expect: { followRedirects: false },
        },
        {
          name: "basic-echo",
          url: `http://${TARGET_USER}:${TARGET_PASS}@127.0.0.1:${port}/e`,
          timeoutMs: 5000,
          expect: { followRedirects: false },
        },
        { name: "chat-hostile", url: `${peer.url}/f`, timeoutMs: 5000, expect: { followRedirects: false } },
      ],
      slos: fixture.slos.filter((s) => ["api-availability", "checkout-success"].includes(s.name)),
      notify: { downAfter: 1, recoverAfter: 1 },
      prometheus: {
        url: prom.url,
        auth: { type: "bearer", token: { env: "SLA_TEST_PROM_TOKEN" } },
        timeoutMs: 5000,
      },
    }),
  );
  for (const [k, v] of Object.entries({ ...SDK_ENV, AWS_ENDPOINT_URL_SNS: sns.url })) {
    envBackup[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(envBackup)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await peer?.close();
  await prom?.close();
  await sns?.close();
  await dirs.cleanup();
});

/** The remote-write bodies the stand-in received, decompressed (label values are plain protobuf strings). */
const remoteWriteBodies = () =>
  prom.requests
    .filter((r) => r.url.startsWith("/api/v1/write"))
    .map((r) => Buffer.from(uncompress(new Uint8Array(r.body))).toString("latin1"));

describe("secrets never leave the process", () => {
  it("a probe run: redirects carrying tokens, a failing remote write, failing SNS publishes", async () => {
    const config = await loadConfig(configFile);
    const out = await dirs.make("sla-secrets-probe-");
    const env = { ...process.env, ...SECRET_ENV, SLA_TOPIC_ARN: TOPIC };
    const rt = await createRuntime(config, { env, outDir: out });
    const logs: string[] = [];
    const writesBefore = remoteWriteBodies().length;
    const snsBefore = sns.requests.length;
    const r = await runProbeCycle({
      ...probeDeps(config, rt),
      log: (level, msg, data) => logs.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`),
    });

    // the peers did see the secrets (the test plants what it looks for)
    expect(peer.requests.some((q) => q.url.includes(QUERY_TOKEN))).toBe(true);
    expect(peer.requests.some((q) => q.url.includes(`presented=${HEADER_TOKEN}`))).toBe(true);
    expect(peer.requests.find((q) => q.url === "/e")?.headers.authorization).toBe(`Basic ${BASIC}`);
    // every target is DOWN, each for its own reason
    expect(Object.fromEntries(r.results.map((p) => [p.target, p.cause]))).toEqual({
      "login-redirect": "status",
      "token-redirect": "status",
      "redirect-loop": "redirect",
      "not-followed": "redirect",
      "basic-echo": "redirect",
      "chat-hostile": "redirect",
    });
    expect(r.write).toMatchObject({ ok: false, status: 401 });
    expect(r.published).toEqual([]);
    expect(r.publishErrors).toHaveLength(7); // 6 DOWN + the monitor's own "cannot write metrics"

    // the outputs: state (the events stay pending, with their details), SNS requests, remote write, logs
    const state = JSON.parse(await readFile(join(out, PROBE_STATE_KEY), "utf8")) as BreachState;
    const details = state.pending.map((e) => e.detail).join("\n");
    expect(details).toMatch(/login-redirect is DOWN: .*status 401/);
    expect(details).toMatch(
      /redirect loop: 302 from “.*\/c2\?next=%2Fnext%3Ftoken%3D<redacted>%26x%3D1&presented=<redacted>”/,
    );
    expect(details).toMatch(
      /302 redirect to “\/denied\?presented=<redacted>&next=%252Fcb%253Fcode%253D<redacted>”/,
    );
    expect(details).toMatch(/\/denied\?seen=Basic%20<redacted>/);
    expect(details).toMatch(
      /remote write to .* failed \(HTTP 401\).*“denied: Authorization: Bearer <redacted>”/,
    );
    const wire = sns.requests.slice(snsBefore).map((q) => decodeURIComponent(q.body.toString("utf8")));
    expect(wire).toHaveLength(7);
    expect(wire.join("\n")).toContain("DOWN");
    const rw = remoteWriteBodies().slice(writesBefore);
    expect(rw.length).toBeGreaterThan(0);
    expect(rw.join("\n")).toContain("probe_success");
    // the whole header value "Bearer SUPERSECRET123" is a known secret: it goes as one
    expect(r.publishErrors.join("\n")).toMatch(/InvalidParameter \(HTTP 400\).*Authorization: <redacted>/);
    expect(logs.join("\n")).toMatch(/remote write failed/);

    expect([
      ...(await leaksUnder(out)),
      ...wire.flatMap((w, i) => leaks(`sns request ${i}`, w)),
      ...sns.requests
        .slice(snsBefore)
        .flatMap((q, i) => leaks(`sns raw request ${i}`, q.body.toString("utf8"))),
      ...rw.flatMap((w, i) => leaks(`remote write ${i}`, w)),
      ...leaks("publish errors", r.publishErrors.join("\n")),
      ...leaks("logs", logs.join("\n")),
    ]).toEqual([]);
  });

  it("the same run into the outbox: DOWN messages quote the peers, chat cannot ping, no secret", async () => {
    const config = await loadConfig(configFile);
    const out = await dirs.make("sla-secrets-outbox-");
    const rt = await createRuntime(config, { env: { ...process.env, ...SECRET_ENV }, outDir: out });
    const r = await runProbeCycle(probeDeps(config, rt));
    expect(r.published).toHaveLength(7);
    const files = await filesUnder(join(out, "outbox"));
    expect(files.size).toBe(7);
    const entries = [...files.values()].map(
      (t) =>
        JSON.parse(t) as {
          message: { email: string; default: { content: { title: string; description: string } } };
          publishInput: { MessageAttributes: Record<string, { StringValue: string }> };
        },
    );
    const byTitle = new Map(entries.map((e) => [e.message.default.content.title, e]));
    expect(byTitle.get("DOWN: redirect-loop")?.message.email).toContain("token%3D<redacted>");
    // the peer's Slack markup arrives quoted and escaped: no <!channel>, no <@U…>, no hidden link, no bold
    const hostile = byTitle.get("DOWN: chat-hostile")!.message.default.content.description;
    expect(hostile).toContain(
      "“&lt;!channel&gt; ∗ACTION REQUIRED∗ &lt;https://evil.example/sso|Re-authenticate here&gt; &lt;@U012AB3CD&gt;”",
    );
    expect(hostile).not.toMatch(/[<>]|\*ACTION/);
    expect(await leaksUnder(out)).toEqual([]);
  });

  it.each([401, 500] as const)(
    "runReport against a Prometheus that echoes the token in its %d body: stored documents are clean",
    async (status) => {
      promMode = status;
      const config = await loadConfig(configFile);
      const out = await dirs.make(`sla-secrets-report-${status}-`);
      const rt = await createRuntime(config, { env: { ...process.env, ...SECRET_ENV }, outDir: out });
      const r = await runReport({ ...reportDeps(config, rt), window: OCTOBER, notify: true, now: NOW });
      // the stand-in did receive the token, and the failure is reported
      expect(prom.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PROM_TOKEN}`);
      expect(r.report.errors.length).toBeGreaterThan(0);
      // 500: transient, the run fails for a retry; 401: rejected, a configuration error (self-alerted)
      const said = status === 500 ? r.error : r.configError;
      expect(said).toMatch(new RegExp(`HTTP ${status}.*Bearer <redacted>`));
      const files = await filesUnder(join(out, "reports"));
      expect([...files.keys()].filter((k) => k.endsWith("report.json") || k === "index.json")).toHaveLength(
        2,
      );
      expect([...files.keys()].filter((k) => /report\.(json|html|md|txt|csv)$/.test(k))).toHaveLength(5);
      const doc = [...files].find(([k]) => k.endsWith("report.json"))![1];
      expect(doc).toContain(`HTTP ${status}`);
      expect(doc).toContain("Bearer <redacted>");
      expect([...(await leaksUnder(out)), ...leaks("result", JSON.stringify(r))]).toEqual([]);
    },
  );
});

/** Every 6-character run of every planted secret: what a cut inside a secret could leave behind. */
const FRAGMENTS = [HEADER_TOKEN, PROM_TOKEN, QUERY_TOKEN, TARGET_PASS].flatMap((s) =>
  Array.from({ length: s.length - 5 }, (_, i) => s.slice(i, i + 6)),
);
const fragments = (where: string, text: string) =>
  FRAGMENTS.filter((f) => text.includes(f)).map((f) => `${where}: ${f}`);

describe("a secret the cut falls into leaves no prefix of itself", () => {
  it("a Location and a Prometheus error cut inside a token: scrubbed before the cut", async () => {
    const config = await loadConfig(configFile);
    config.targets = [
      {
        ...config.targets.find((t) => t.name === "not-followed")!,
        name: "cut-inside",
        url: `${peer.url}/g`,
      },
    ];
    const out = await dirs.make("sla-secrets-cut-");
    const rt = await createRuntime(config, { env: { ...process.env, ...SECRET_ENV }, outDir: out });
    const probe = await runProbeCycle(probeDeps(config, rt));
    // the peer saw the token, and the cause quotes the Location up to the cut (inside the token)
    expect(peer.requests.some((q) => q.url.startsWith("/g"))).toBe(true);
    const cause = probe.results[0]!.causeDetail!;
    expect(cause).toMatch(/^302 redirect to “\/denied\?pad=p{270}&presented=<redact…” not followed/);

    promMode = "straddle";
    const r = await runReport({ ...reportDeps(config, rt), window: OCTOBER, notify: true, now: NOW });
    expect(prom.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PROM_TOKEN}`);
    expect(r.error).toMatch(/HTTP 500, e{92}<redacte… \(2 more chars\)\)/);
    const files = await filesUnder(out);
    expect([...files.keys()].filter((k) => /report\.(json|html|md|txt|csv)$/.test(k))).toHaveLength(5);
    expect(files.size).toBeGreaterThan(6); // reports, index, state, the DOWN message in the outbox
    expect([
      ...[...files].flatMap(([name, text]) => fragments(name, text)),
      ...fragments("probe results", JSON.stringify(probe)),
      ...fragments("report result", JSON.stringify(r)),
    ]).toEqual([]);
  });
});

/** The `sla` bin with the secrets in its environment, and SNS pointed at the refusing endpoint. */
function sla(args: string[], extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|SLA_)/.test(k)) env[k] = v;
  Object.assign(env, SDK_ENV, SECRET_ENV, { AWS_ENDPOINT_URL_SNS: sns.url }, extraEnv);
  return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(SLA_BIN, args, { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("secrets never leave the sla command", () => {
  it.each([401, 500] as const)(
    "sla report against a Prometheus echoing the token in its %d body",
    async (status) => {
      promMode = status;
      const out = await dirs.make(`sla-secrets-cli-${status}-`);
      const r = await sla(["report", "--config", configFile, "--period", "2026-10", "--out", out]);
      expect(r.code, r.stderr).toBe(status === 401 ? 2 : 3);
      expect(r.stdout).toContain("api-availability"); // the table of what could be computed
      expect(r.stderr).toMatch(new RegExp(`HTTP ${status}.*Bearer <redacted>`));
      const files = await filesUnder(out);
      expect([...files.keys()].filter((k) => /report\.(json|html|md|txt|csv)$/.test(k))).toHaveLength(5);
      expect([...files.keys()]).toContain(join("reports", "index.json"));
      expect([
        ...(await leaksUnder(out)),
        ...leaks("stdout", r.stdout),
        ...leaks("stderr", r.stderr),
      ]).toEqual([]);
    },
  );

  it("sla report --notify with every SNS publish refused (the error reflecting a token)", async () => {
    promMode = "pass";
    const out = await dirs.make("sla-secrets-cli-notify-");
    const snsBefore = sns.requests.length;
    const r = await sla(["report", "--config", configFile, "--period", "2026-10", "--out", out, "--notify"], {
      SLA_TOPIC_ARN: TOPIC,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MISSED|MET/);
    expect(r.stderr).toMatch(/publishing failed \(will be retried\): .*InvalidParameter \(HTTP 400\)/);
    expect(r.stderr).toContain("the proxy saw Authorization: <redacted>");
    expect(sns.requests.length).toBeGreaterThan(snsBefore);
    const markers = [...(await filesUnder(out))].filter(([k]) => k.startsWith("notifications"));
    expect(markers.length).toBeGreaterThan(0);
    for (const [, m] of markers)
      expect(JSON.parse(m)).toMatchObject({
        state: "failed",
        error: expect.stringContaining("InvalidParameter"),
      });
    expect([
      ...(await leaksUnder(out)),
      ...leaks("stdout", r.stdout),
      ...leaks("stderr", r.stderr),
      ...sns.requests
        .slice(snsBefore)
        .flatMap((q, i) => leaks(`sns request ${i}`, decodeURIComponent(q.body.toString("utf8")))),
    ]).toEqual([]);
  });

  it("sla probe: redirects carrying tokens, a failing remote write, DOWN into the outbox", async () => {
    const out = await dirs.make("sla-secrets-cli-probe-");
    const r = await sla(["probe", "--config", configFile, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/login-redirect\s+DOWN\s+401/);
    expect(r.stdout).toMatch(/remote write FAILED: .*HTTP 401.*Bearer <redacted>/);
    expect(r.stdout).toContain("[outbox] CRITICAL breach: DOWN: redirect-loop");
    expect(r.stderr).toMatch(/remote write failed/);
    const outbox = [...(await filesUnder(out))].filter(([k]) => k.startsWith("outbox"));
    expect(outbox).toHaveLength(7);
    expect([...(await leaksUnder(out)), ...leaks("stdout", r.stdout), ...leaks("stderr", r.stderr)]).toEqual(
      [],
    );
  });
});

describe("secrets never leave a Lambda", () => {
  it("the logger, a handler's result and its error pass the container's scrubber", async () => {
    const { guarded, logger, scrubber } = await import("../../packages/functions/src/shared.js");
    scrubber.add(`Bearer ${HEADER_TOKEN}`, PROM_TOKEN);
    const lines: string[] = [];
    const streams = [process.stdout, process.stderr] as const;
    const writes = streams.map((s) => s.write);
    for (const s of streams) {
      s.write = ((chunk: unknown) => {
        lines.push(String(chunk));
        return true;
      }) as typeof s.write;
    }
    try {
      logger.error(`publish failed: proxy said Bearer ${HEADER_TOKEN}`, {
        detail: `/login?next=%2Fnext%3Ftoken%3D${QUERY_TOKEN}`,
        error: new Error(`upstream echoed ${PROM_TOKEN}`),
      });
    } finally {
      streams.forEach((s, i) => {
        s.write = writes[i]!;
      });
    }
    const logged = lines.join("");
    expect(logged).toContain("publish failed: proxy said <redacted>");
    expect(logged).toContain("upstream echoed <redacted>");
    const ok = guarded(async () => ({ reason: `Prometheus said Authorization: Bearer ${PROM_TOKEN}` }));
    expect(await ok()).toEqual({ reason: "Prometheus said Authorization: Bearer <redacted>" });
    const failing = guarded(async () => {
      throw new Error(`S3 said ${HEADER_TOKEN}`);
    });
    const err = (await failing().catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("S3 said <redacted>");
    expect([...leaks("log", logged), ...leaks("error", `${err.message}\n${err.stack}`)]).toEqual([]);
  });
});
