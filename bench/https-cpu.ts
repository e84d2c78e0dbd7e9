/**
 * CPU per HTTPS probe (issue 11 "Measure, then size"; DESIGN §9 "Sizing is measured"): the figure that
 * infra/aws/sizing.ts sizes probe shards by (`HTTPS_PROBE_CPU_MS`) and bench/cost.ts prices them with.
 *
 * The target is a Node https server in a child process (its CPU is not counted) presenting a real chain made
 * by openssl: leaf + intermediate, the root in the client's trust store only, as public sites do. Every probe
 * makes a full handshake (a new connection, no session resumption) and captures the chain.
 * - engine: `runProbes` in a prober child started with NODE_EXTRA_CA_CERTS = the root, so the chain verifies
 *   and each probe takes the path a healthy public target takes; CPU = the child's `process.cpuUsage()` over
 *   the run / probes, at concurrency 1 and 500 (a whole shard in flight, paced as in production).
 * - bare TLS: in the same child, `tls.connect` + one GET + close per connection, no undici and no capture
 *   beyond what Node does itself: the floor for any Node prober.
 * - blackbox_exporter (Debian): the same target through `/probe` with a module trusting the same root; its
 *   process CPU (/proc utime+stime) / probes, at the same concurrencies.
 * - chain capture, before/after: on the same connections, the CPU of the connector's old capture (a second
 *   `getPeerCertificate(true)`) and of its capture now (`peerChain`), for a verified chain and for one that
 *   does not verify (the unknown root), and whether both give identical expiry facts on every connection.
 * Each round runs every variant back to back; ratios are taken per round, then the median over rounds.
 *
 *   npx tsx bench/https-cpu.ts [--quick]        (also part of `npm run bench`)
 */
import { once } from "node:events";
import { checkServerIdentity, type DetailedPeerCertificate, connect as tlsConnect } from "node:tls";
import { Agent, request } from "undici";
import { HTTPS_PROBE_CPU_MS } from "../infra/aws/sizing.js";
import { peerChain } from "../packages/core/src/probe/connector.js";
import { runProbes } from "../packages/core/src/probe/index.js";
import { tlsInfoFromChain } from "../packages/core/src/probe/tls-info.js";
import type { ProbeSpec, TlsInfo } from "../packages/core/src/probe/types.js";
import { CertFactory } from "../test/helpers/hostile-servers.js";
import { ensureBlackbox, type RunningBlackbox, startBlackbox } from "./blackbox.js";
import {
  type BenchResult,
  type Child,
  cpuMsSince,
  log,
  median,
  procCpuMs,
  type Row,
  round,
  runCleanups,
  startChild,
} from "./lib.js";

const SERVER_JS = `
const https = require("node:https");
const body = Buffer.from("ok");
const s = https.createServer({ key: process.env.KEY, cert: process.env.CERT }, (req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  res.end(body);
});
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.on("SIGTERM", () => process.exit(0));
`;

/** The certificates' lifetimes: the intermediate expires first, so the earliest expiry is not the leaf's. */
const LEAF_DAYS = 90;
const INTERMEDIATE_DAYS = 60;
const ROOT_DAYS = 3650;

const CONCURRENCIES = [1, 500] as const;

// ---------------------------------------------------------------------------------------------------
// prober child: one JSON line on stdout

interface ProberArgs {
  mode: "engine" | "capture";
  url: string;
  concurrency: number;
  n: number;
}

interface EngineOut {
  engine: { cpuMs: number; wallMs: number; n: number; failures: number; untrusted: number; tls?: TlsInfo };
  bare: { cpuMs: number; wallMs: number; n: number; failures: number };
}

interface CaptureOut {
  n: number;
  /** CPU µs per connection of the old capture and of the engine's */
  beforeUs: number;
  afterUs: number;
  identical: number;
  authorized: number;
  example?: TlsInfo;
}

function probeSpec(url: string, i: number): ProbeSpec {
  return {
    name: `https-${i}`,
    url,
    method: "GET",
    headers: {},
    expect: { status: [], maxBodyBytes: 1024 * 1024 },
    timeoutMs: 10_000,
    labels: {},
  };
}

async function pool(n: number, concurrency: number, one: () => Promise<boolean>): Promise<number> {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      if (!(await one().catch(() => false))) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return failures;
}

/** One bare TLS connection: full handshake, one GET, read to the end; `onSecure` runs at secureConnect. */
function bareTls(
  port: number,
  onSecure?: (s: ReturnType<typeof tlsConnect>, verified: DetailedPeerCertificate | undefined) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    let verified: DetailedPeerCertificate | undefined;
    let body = "";
    const s = tlsConnect(
      {
        host: "127.0.0.1",
        port,
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
        checkServerIdentity: (host, cert) => {
          verified = cert as DetailedPeerCertificate;
          return checkServerIdentity(host, cert);
        },
      },
      () => {
        onSecure?.(s, verified);
        s.write("GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
      },
    );
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      body += d;
    });
    s.once("end", () => {
      s.destroy();
      resolve(body.startsWith("HTTP/1.1 200"));
    });
    s.once("error", () => resolve(false));
  });
}

async function proberEngine(args: ProberArgs): Promise<EngineOut> {
  const port = Number(new URL(args.url).port);
  const specs = (n: number) => Array.from({ length: n }, (_, i) => probeSpec(args.url, i));
  // warm-up (JIT, the shared TLS context), discarded
  await runProbes(specs(Math.min(args.n, 100)), { concurrency: Math.min(args.concurrency, 100) });
  await pool(50, Math.min(args.concurrency, 50), () => bareTls(port));

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await runProbes(specs(args.n), { concurrency: args.concurrency });
  const engine = {
    wallMs: performance.now() - t0,
    cpuMs: cpuMsSince(cpu0),
    n: args.n,
    failures: results.filter((r) => !r.success).length,
    untrusted: results.filter((r) => r.tls?.trusted !== true).length,
    ...(results[0]?.tls ? { tls: results[0].tls } : {}),
  };
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  const failures = await pool(args.n, args.concurrency, () => bareTls(port));
  const bare = { wallMs: performance.now() - t1, cpuMs: cpuMsSince(cpu1), n: args.n, failures };
  return { engine, bare };
}

const us = (u: NodeJS.CpuUsage) => u.user + u.system;

async function proberCapture(args: ProberArgs): Promise<CaptureOut> {
  const port = Number(new URL(args.url).port);
  const now = new Date();
  const out: CaptureOut = { n: 0, beforeUs: 0, afterUs: 0, identical: 0, authorized: 0 };
  const measure =
    (count: boolean) => (s: ReturnType<typeof tlsConnect>, verified?: DetailedPeerCertificate) => {
      // the old capture first: `peerChain` may consume the socket's record of the chain (see connector.ts)
      const c0 = process.cpuUsage();
      const before = tlsInfoFromChain(s.getPeerCertificate(true), now);
      const c1 = process.cpuUsage();
      const after = tlsInfoFromChain(peerChain(s, verified), now);
      const c2 = process.cpuUsage();
      if (!count) return;
      out.n += 1;
      out.beforeUs += us(c1) - us(c0);
      out.afterUs += us(c2) - us(c1);
      if (s.authorized) out.authorized += 1;
      if (JSON.stringify(before) === JSON.stringify(after)) out.identical += 1;
      out.example ??= after;
    };
  await pool(50, 1, () => bareTls(port, measure(false)));
  await pool(args.n, 1, () => bareTls(port, measure(true)));
  return out;
}

async function prober(args: ProberArgs): Promise<void> {
  const out = args.mode === "engine" ? await proberEngine(args) : await proberCapture(args);
  console.log(JSON.stringify(out));
}

async function childRun<T>(args: ProberArgs, rootFile: string | undefined): Promise<T> {
  const env = { ...process.env };
  if (rootFile) env.NODE_EXTRA_CA_CERTS = rootFile;
  else delete env.NODE_EXTRA_CA_CERTS;
  const child: Child = await startChild(
    process.execPath,
    ["--import", "tsx", "bench/https-cpu.ts", "--prober", JSON.stringify(args)],
    { env },
  );
  let out = "";
  child.proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const [code] = (await once(child.proc, "exit")) as [number | null];
  await child.stop();
  const line = out.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{"))
    throw new Error(`prober child exited with ${code}: ${out.slice(-500)}`);
  return JSON.parse(line) as T;
}

// ---------------------------------------------------------------------------------------------------
// blackbox_exporter

interface BbMeasure {
  peerCpuMs: number;
  wallMs: number;
  n: number;
  failures: number;
}

async function measureBlackbox(
  bb: RunningBlackbox,
  target: string,
  n: number,
  c: number,
): Promise<BbMeasure> {
  const agent = new Agent({ connections: c }); // keep-alive to the exporter: we measure the exporter
  const url = `${bb.url}/probe?target=${encodeURIComponent(target)}&module=https_chain`;
  try {
    const one = async () => {
      const res = await request(url, { dispatcher: agent });
      const text = await res.body.text();
      return res.statusCode === 200 && /^probe_success 1$/m.test(text);
    };
    await pool(Math.min(n, 100), Math.min(c, 100), one); // warm-up
    const peer0 = await procCpuMs(bb.pid);
    const t0 = performance.now();
    const failures = await pool(n, c, one);
    const wallMs = performance.now() - t0;
    return { peerCpuMs: (await procCpuMs(bb.pid)) - peer0, wallMs, n, failures };
  } finally {
    await agent.close();
  }
}

// ---------------------------------------------------------------------------------------------------

export interface HttpsCpuOptions {
  rounds?: number;
  /** probes per variant and round at concurrency 1 (at 500: 500, one shard) */
  n1?: number;
  /** connections per round for the chain-capture comparison */
  captureN?: number;
}

export async function benchHttpsCpu(opts: HttpsCpuOptions = {}): Promise<BenchResult> {
  const rounds = opts.rounds ?? 3;
  const n1 = opts.n1 ?? 200;
  const captureN = opts.captureN ?? 300;
  const notes: string[] = [];
  const certs = new CertFactory();
  let server: Child | undefined;
  let bb: RunningBlackbox | undefined;
  try {
    const chain = certs.fullChain(LEAF_DAYS, INTERMEDIATE_DAYS, ROOT_DAYS);
    server = await startChild(process.execPath, ["-e", SERVER_JS], {
      waitLine: true,
      env: { ...process.env, KEY: chain.key, CERT: chain.cert },
    });
    const url = `https://127.0.0.1:${server.firstLine.trim()}/`;
    log(
      `https-cpu: target ${url} (child pid ${server.pid}), leaf ${LEAF_DAYS} d + intermediate ${INTERMEDIATE_DAYS} d, root ${ROOT_DAYS} d trusted`,
    );
    const binary = await ensureBlackbox();
    if ("path" in binary) {
      bb = await startBlackbox(binary.path, {
        modules: [
          "  https_chain:",
          "    prober: http",
          "    timeout: 10s",
          "    http:",
          "      preferred_ip_protocol: ip4",
          "      ip_protocol_fallback: false",
          "      tls_config:",
          `        ca_file: ${chain.rootFile}`,
        ],
      });
      log(`https-cpu: ${bb.version} on ${bb.url} (pid ${bb.pid})`);
    } else {
      notes.push(binary.skipped);
    }

    const engine: Record<number, EngineOut[]> = { 1: [], 500: [] };
    const blackbox: Record<number, BbMeasure[]> = { 1: [], 500: [] };
    const capture: { verified: CaptureOut[]; unverified: CaptureOut[] } = { verified: [], unverified: [] };
    for (let r = 0; r < rounds; r++) {
      for (const c of CONCURRENCIES) {
        const n = c === 1 ? n1 : 500;
        const runEngine = async () => {
          engine[c]!.push(
            await childRun<EngineOut>({ mode: "engine", url, concurrency: c, n }, chain.rootFile),
          );
        };
        const runBb = async () => {
          if (bb) blackbox[c]!.push(await measureBlackbox(bb, url, n, c));
        };
        // alternate which runs first
        for (const f of r % 2 === 0 ? [runEngine, runBb] : [runBb, runEngine]) await f();
      }
      const args = { mode: "capture" as const, url, concurrency: 1, n: captureN };
      capture.verified.push(await childRun<CaptureOut>(args, chain.rootFile));
      capture.unverified.push(await childRun<CaptureOut>(args, undefined));
      log(`https-cpu: round ${r + 1}/${rounds} done`);
    }

    const rows: Row[] = [];
    const details: Record<string, unknown> = {
      chain: { leafDays: LEAF_DAYS, intermediateDays: INTERMEDIATE_DAYS, rootDays: ROOT_DAYS },
      rounds,
      sizingConstantMs: HTTPS_PROBE_CPU_MS,
    };
    for (const c of CONCURRENCIES) {
      const e = engine[c]!;
      const perProbe = e.map((m) => m.engine.cpuMs / m.engine.n);
      const barePerProbe = e.map((m) => m.bare.cpuMs / m.bare.n);
      const engineMs = median(perProbe);
      const block: Record<string, unknown> = {
        engineCpuMsPerProbe: round(engineMs, 4),
        bareTlsCpuMsPerConnection: round(median(barePerProbe), 4),
        engineVsBareTls: round(median(perProbe.map((p, i) => p / barePerProbe[i]!)), 3),
        engineWallMs: round(median(e.map((m) => m.engine.wallMs)), 1),
        failures: e.reduce((a, m) => a + m.engine.failures, 0),
        untrusted: e.reduce((a, m) => a + m.engine.untrusted, 0),
        bareFailures: e.reduce((a, m) => a + m.bare.failures, 0),
        perRound: perProbe.map((p) => round(p, 4)),
        tls: e[0]?.engine.tls,
      };
      rows.push(
        {
          bench: "https",
          metric: `engine CPU per HTTPS probe (full handshake + chain), c=${c}`,
          measured: engineMs,
          unit: "ms",
          target: null,
          note: `${block.failures} failed, ${block.untrusted} not verified; per round ${JSON.stringify(block.perRound)}; bare Node TLS ${block.bareTlsCpuMsPerConnection} ms/connection (engine/bare ${block.engineVsBareTls}x)`,
        },
        {
          bench: "https",
          metric: `engine/bare Node TLS client CPU per connection, c=${c}`,
          measured: median(perProbe.map((p, i) => p / barePerProbe[i]!)),
          unit: "x",
          target: null,
        },
      );
      const b = blackbox[c]!;
      if (b.length > 0) {
        const bbPer = b.map((m) => m.peerCpuMs / m.n);
        const ratio = median(perProbe.map((p, i) => p / bbPer[i]!));
        block.blackboxCpuMsPerProbe = round(median(bbPer), 4);
        block.blackboxFailures = b.reduce((a, m) => a + m.failures, 0);
        block.engineVsBlackbox = round(ratio, 3);
        rows.push(
          {
            bench: "https",
            metric: `blackbox_exporter CPU per HTTPS probe, c=${c}`,
            measured: median(bbPer),
            unit: "ms",
            target: null,
            note: `${block.blackboxFailures} failed; exporter /proc utime+stime, incl. serving /probe`,
          },
          {
            bench: "https",
            metric: `engine/blackbox_exporter CPU per HTTPS probe, c=${c}`,
            measured: ratio,
            unit: "x",
            target: null,
          },
        );
      }
      details[`c${c}`] = block;
    }
    // The figure sizing uses: the larger of the two concurrencies (a shard of 500 is the c=500 case; a small
    // shard pays the idle loop's wake-ups per probe, the c=1 case). Sizing must not assume less CPU than a
    // probe takes: "missed" means re-measure and update HTTPS_PROBE_CPU_MS (packages/core/src/probe/run.ts).
    const sizingFigure = Math.max(
      ...CONCURRENCIES.map((c) => median(engine[c]!.map((m) => m.engine.cpuMs / m.engine.n))),
    );
    details.sizingFigureMs = round(sizingFigure, 4);
    rows.push({
      bench: "https",
      metric: "CPU per HTTPS probe as sizing uses it (larger of c=1 and c=500) vs HTTPS_PROBE_CPU_MS",
      measured: sizingFigure,
      unit: "ms",
      target: HTTPS_PROBE_CPU_MS,
    });
    for (const kind of ["verified", "unverified"] as const) {
      const cs = capture[kind];
      const before = median(cs.map((x) => x.beforeUs / x.n)) / 1000;
      const after = median(cs.map((x) => x.afterUs / x.n)) / 1000;
      const n = cs.reduce((a, x) => a + x.n, 0);
      const identical = cs.reduce((a, x) => a + x.identical, 0);
      const authorized = cs.reduce((a, x) => a + x.authorized, 0);
      details[`capture_${kind}`] = {
        beforeMsPerProbe: round(before, 4),
        afterMsPerProbe: round(after, 4),
        connections: n,
        identicalExpiryFacts: identical,
        authorized,
        example: cs[0]?.example,
      };
      rows.push({
        bench: "https",
        metric: `chain capture CPU per probe, ${kind} chain: after/before`,
        measured: before > 0 ? after / before : null,
        unit: "x",
        target: null,
        note: `before (getPeerCertificate(true) again) ${round(before, 4)} ms, after (peerChain) ${round(after, 4)} ms; identical expiry facts on ${identical}/${n} connections (${authorized} verified)`,
      });
      if (identical !== n)
        notes.push(`chain capture (${kind}): expiry facts differ on ${n - identical} of ${n} connections`);
    }
    return { name: "https", rows, details, notes };
  } finally {
    await bb?.stop();
    await server?.stop();
    certs.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--prober");
  if (i >= 0) {
    await prober(JSON.parse(process.argv[i + 1]!) as ProberArgs);
  } else {
    const { loadavg } = await import("node:os");
    const load0 = loadavg();
    try {
      const r = await benchHttpsCpu(
        process.argv.includes("--quick") ? { rounds: 1, n1: 100, captureN: 100 } : {},
      );
      const { summaryTable } = await import("./lib.js");
      console.log(JSON.stringify(r.details, null, 2));
      console.log(summaryTable(r.rows));
      for (const row of r.rows) if (row.note) console.log(`- ${row.metric}: ${row.note}`);
      for (const n of r.notes) console.log(`note: ${n}`);
      console.log(
        `load average before ${load0.map((l) => l.toFixed(2)).join(" ")}, after ${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")} (other work on this machine inflates CPU per probe; the ratios are paired per round)`,
      );
    } finally {
      await runCleanups();
    }
  }
}
