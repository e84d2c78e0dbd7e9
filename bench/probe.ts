/**
 * Probe overhead: the probe engine (`runProbes`) against
 *  - a bare undici 7 `request` loop (same undici the engine uses), keep-alive off (`connection: close`: a new
 *    connection per request, as the engine opens one per probe by design) and on (pooled connections);
 *  - Debian's blackbox_exporter probing the same target through `/probe?module=http_2xx`.
 * The target is a minimal HTTP server in a child process on 127.0.0.1, so its CPU is not ours.
 * Each round runs every variant back to back; ratios are taken per round, then the median over rounds.
 * The engine runs unpaced there (`startsPerTick: Infinity`): the loops it is compared with start requests as
 * fast as they can, and the pacer's deliberate rate (`startsPerMs`, one start per 6 ms at one vCPU) is not
 * engine overhead. The run durations by N, which the cost model uses, are paced as deployed.
 */
import { createRequire } from "node:module";
import { Agent, request } from "undici";
import { runProbes } from "../packages/core/src/probe/index.js";
import type { ProbeResult, ProbeSpec } from "../packages/core/src/probe/types.js";
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
  startChild,
} from "./lib.js";

/** The undici the bare loop uses must be the one the engine uses (root node_modules vs packages/core). */
function undiciVersions(): { bench: string; engine: string } {
  const v = (from: string) => {
    const req = createRequire(new URL(from, import.meta.url));
    return (req(req.resolve("undici/package.json")) as { version: string }).version;
  };
  return { bench: v("./probe.ts"), engine: v("../packages/core/src/probe/probe.ts") };
}

const SERVER_JS = `
const http = require("node:http");
const body = Buffer.from("ok");
const s = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  res.end(body);
});
s.keepAliveTimeout = 30000;
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.on("SIGTERM", () => process.exit(0));
`;

export interface ProbeBenchOptions {
  rounds?: number;
  /** probes per variant and round at concurrency 1 / 50 */
  n1?: number;
  n50?: number;
}

interface Measure {
  wallMs: number;
  cpuMs: number;
  n: number;
  failures: number;
  /** exporter process CPU (blackbox only) */
  peerCpuMs?: number;
  /** median in-probe duration reported by the prober itself */
  innerMedianMs?: number;
}

type Variant = "engine" | "bareNoKeepAlive" | "bareKeepAlive" | "blackbox";

function spec(url: string): ProbeSpec {
  return {
    name: "fast",
    url,
    method: "GET",
    headers: {},
    expect: { status: [], maxBodyBytes: 1024 * 1024 },
    timeoutMs: 5000,
    labels: {},
  };
}

async function measureEngine(
  url: string,
  n: number,
  concurrency: number,
  pacing: "paced" | "unpaced",
): Promise<Measure> {
  const specs = Array.from({ length: n }, () => spec(url));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results: ProbeResult[] = await runProbes(specs, {
    concurrency,
    ...(pacing === "unpaced" ? { startsPerTick: Number.POSITIVE_INFINITY } : {}),
  });
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  return {
    wallMs,
    cpuMs,
    n,
    failures: results.filter((r) => !r.success).length,
    innerMedianMs: median(results.map((r) => r.durationMs)),
  };
}

async function pool(n: number, concurrency: number, one: () => Promise<boolean>): Promise<number> {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      try {
        if (!(await one())) failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return failures;
}

async function measureBare(
  url: string,
  n: number,
  concurrency: number,
  keepAlive: boolean,
): Promise<Measure> {
  const agent = new Agent({ connections: concurrency });
  const headers = keepAlive ? {} : { connection: "close" };
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const failures = await pool(n, concurrency, async () => {
      const res = await request(url, { dispatcher: agent, headers });
      await res.body.text();
      return res.statusCode === 200;
    });
    return { wallMs: performance.now() - t0, cpuMs: cpuMsSince(cpu0), n, failures };
  } finally {
    await agent.close();
  }
}

async function measureBlackbox(
  bb: RunningBlackbox,
  target: string,
  n: number,
  concurrency: number,
): Promise<Measure> {
  const agent = new Agent({ connections: concurrency }); // keep-alive to the exporter: we measure the exporter
  const probeUrl = `${bb.url}/probe?target=${encodeURIComponent(target)}&module=http_2xx`;
  const inner: number[] = [];
  try {
    const peer0 = await procCpuMs(bb.pid);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const failures = await pool(n, concurrency, async () => {
      const res = await request(probeUrl, { dispatcher: agent });
      const text = await res.body.text();
      const d = /^probe_duration_seconds ([0-9.e+-]+)$/m.exec(text);
      if (d) inner.push(Number(d[1]) * 1000);
      return res.statusCode === 200 && /^probe_success 1$/m.test(text);
    });
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsSince(cpu0);
    const peerCpuMs = (await procCpuMs(bb.pid)) - peer0;
    return { wallMs, cpuMs, n, failures, peerCpuMs, innerMedianMs: median(inner) };
  } finally {
    await agent.close();
  }
}

const perProbe = (m: Measure) => ({
  wallMs: m.wallMs / m.n,
  cpuMs: m.cpuMs / m.n,
  ...(m.peerCpuMs !== undefined ? { peerCpuMs: m.peerCpuMs / m.n } : {}),
});

export async function benchProbe(opts: ProbeBenchOptions = {}): Promise<BenchResult> {
  const rounds = opts.rounds ?? 9;
  const n1 = opts.n1 ?? 1000;
  const n50 = opts.n50 ?? 3000;
  const notes: string[] = [
    "The engine opens a fresh connection per probe by design: a probe that reuses a connection would not " +
      "measure connect/TLS. The fair baseline is bare undici with keep-alive off; keep-alive on is shown for scale.",
  ];
  let server: Child | undefined;
  let bb: RunningBlackbox | undefined;
  try {
    const versions = undiciVersions();
    if (versions.bench !== versions.engine) {
      notes.push(
        `undici differs: bare loop ${versions.bench}, engine ${versions.engine} (ratios compare versions too)`,
      );
    }
    server = await startChild(process.execPath, ["-e", SERVER_JS], { waitLine: true });
    const url = `http://127.0.0.1:${server.firstLine.trim()}/ok`;
    log(`probe: target server ${url} (child pid ${server.pid})`);

    const bbState = await ensureBlackbox();
    if ("path" in bbState) {
      bb = await startBlackbox(bbState.path);
      log(`probe: blackbox_exporter ${bb.version} on ${bb.url} (pid ${bb.pid})`);
    } else {
      notes.push(bbState.skipped);
      log(`probe: ${bbState.skipped}`);
    }

    const variants: Variant[] = [
      "engine",
      "bareNoKeepAlive",
      "bareKeepAlive",
      ...(bb ? ["blackbox" as const] : []),
    ];
    const runOne = (v: Variant, n: number, c: number): Promise<Measure> => {
      switch (v) {
        case "engine":
          return measureEngine(url, n, c, "unpaced");
        case "bareNoKeepAlive":
          return measureBare(url, n, c, false);
        case "bareKeepAlive":
          return measureBare(url, n, c, true);
        case "blackbox":
          return measureBlackbox(bb!, url, n, c);
      }
    };

    // warm-up (JIT, connection pools, exporter), discarded
    for (const v of variants) {
      await runOne(v, 200, 1);
      await runOne(v, 500, 50);
    }

    const data: Record<string, Record<Variant, Measure[]>> = {};
    for (const c of [1, 50]) {
      data[`c${c}`] = { engine: [], bareNoKeepAlive: [], bareKeepAlive: [], blackbox: [] };
    }
    for (let r = 0; r < rounds; r++) {
      for (const c of [1, 50]) {
        // rotate the order each round so no variant always runs right after another
        const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
        for (const v of order) data[`c${c}`]![v].push(await runOne(v, c === 1 ? n1 : n50, c));
      }
      log(`probe: round ${r + 1}/${rounds} done`);
    }

    // probe run duration for N endpoints at concurrency 50 (the cost model's input)
    const runDurations: Record<string, { wallMs: number; cpuMs: number }> = {};
    for (const n of [10, 50, 200, 1000]) {
      const ms: Measure[] = [];
      for (let i = 0; i < 3; i++) ms.push(await measureEngine(url, n, 50, "paced"));
      runDurations[String(n)] = {
        wallMs: round(median(ms.map((m) => m.wallMs))),
        cpuMs: round(median(ms.map((m) => m.cpuMs))),
      };
    }

    const rows: Row[] = [];
    const summary: Record<string, unknown> = {};
    for (const c of [1, 50]) {
      const d = data[`c${c}`]!;
      const per = (v: Variant) => d[v].map(perProbe);
      const ratioMedian = (a: Variant, b: Variant, k: "wallMs" | "cpuMs") =>
        median(d[a].map((m, i) => perProbe(m)[k] / perProbe(d[b][i]!)[k]));
      const med = (v: Variant, k: "wallMs" | "cpuMs" | "peerCpuMs") =>
        median(per(v).map((p) => (p as Record<string, number>)[k] ?? Number.NaN));
      const failures = Object.fromEntries(variants.map((v) => [v, d[v].reduce((a, m) => a + m.failures, 0)]));
      const block: Record<string, unknown> = {
        probesPerRound: c === 1 ? n1 : n50,
        rounds,
        failures,
        perProbeMs: Object.fromEntries(
          variants.map((v) => [
            v,
            {
              wall: round(med(v, "wallMs"), 4),
              cpu: round(med(v, "cpuMs"), 4),
              ...(v === "blackbox" ? { exporterCpu: round(med(v, "peerCpuMs"), 4) } : {}),
              ...(d[v][0]?.innerMedianMs !== undefined
                ? { innerMedian: round(median(d[v].map((m) => m.innerMedianMs!)), 4) }
                : {}),
            },
          ]),
        ),
        perRoundEngineVsBareNoKeepAlive: d.engine.map((m, i) => ({
          wall: round(perProbe(m).wallMs / perProbe(d.bareNoKeepAlive[i]!).wallMs),
          cpu: round(perProbe(m).cpuMs / perProbe(d.bareNoKeepAlive[i]!).cpuMs),
        })),
        ratios: {
          engineVsBareNoKeepAlive: {
            wall: round(ratioMedian("engine", "bareNoKeepAlive", "wallMs")),
            cpu: round(ratioMedian("engine", "bareNoKeepAlive", "cpuMs")),
          },
          engineVsBareKeepAlive: {
            wall: round(ratioMedian("engine", "bareKeepAlive", "wallMs")),
            cpu: round(ratioMedian("engine", "bareKeepAlive", "cpuMs")),
          },
        },
      };
      rows.push(
        {
          bench: "probe",
          metric: `engine/bare undici (no keep-alive) wall per probe, c=${c}`,
          measured: ratioMedian("engine", "bareNoKeepAlive", "wallMs"),
          unit: "x",
          target: 1.1,
          note: `${round(med("engine", "wallMs"), 4)} vs ${round(med("bareNoKeepAlive", "wallMs"), 4)} ms`,
        },
        {
          bench: "probe",
          metric: `engine/bare undici (no keep-alive) CPU per probe, c=${c}`,
          measured: ratioMedian("engine", "bareNoKeepAlive", "cpuMs"),
          unit: "x",
          target: 1.1,
          note: `${round(med("engine", "cpuMs"), 4)} vs ${round(med("bareNoKeepAlive", "cpuMs"), 4)} ms`,
        },
        {
          bench: "probe",
          metric: `engine/bare undici (keep-alive, info) wall per probe, c=${c}`,
          measured: ratioMedian("engine", "bareKeepAlive", "wallMs"),
          unit: "x",
          target: null,
        },
        {
          bench: "probe",
          metric: `engine wall per probe, c=${c}`,
          measured: med("engine", "wallMs"),
          unit: "ms",
          target: null,
        },
        {
          bench: "probe",
          metric: `engine CPU per probe, c=${c}`,
          measured: med("engine", "cpuMs"),
          unit: "ms",
          target: null,
        },
      );
      if (bb) {
        const bbWall = d.blackbox.map((m, i) => perProbe(d.engine[i]!).wallMs / perProbe(m).wallMs);
        // our CPU per probe vs the exporter process's CPU per probe (each measured over the same round)
        const bbCpu = d.blackbox.map((m, i) => perProbe(d.engine[i]!).cpuMs / perProbe(m).peerCpuMs!);
        (block.ratios as Record<string, unknown>).engineVsBlackbox = {
          wall: round(median(bbWall)),
          cpu: round(median(bbCpu)),
        };
        rows.push(
          {
            bench: "probe",
            metric: `engine/blackbox_exporter latency per probe, c=${c}`,
            measured: median(bbWall),
            unit: "x",
            target: 1,
            note: `${round(med("engine", "wallMs"), 4)} vs ${round(med("blackbox", "wallMs"), 4)} ms (exporter round trip incl. /probe HTTP)`,
          },
          {
            bench: "probe",
            metric: `engine/blackbox_exporter CPU per probe, c=${c}`,
            measured: median(bbCpu),
            unit: "x",
            target: 1,
            note: `${round(med("engine", "cpuMs"), 4)} vs ${round(med("blackbox", "peerCpuMs"), 4)} ms (exporter /proc utime+stime)`,
          },
        );
      }
      summary[`c${c}`] = block;
    }
    const pps = median(data.c50!.engine.map((m) => (m.n / m.wallMs) * 1000));
    rows.push({
      bench: "probe",
      metric: "engine probes/second, c=50, loopback, unpaced (as deployed: paced, see the run durations)",
      measured: pps,
      unit: "/s",
      target: null,
    });
    summary.engineProbesPerSecondC50 = round(pps, 1);
    summary.runDurationsC50 = runDurations;
    summary.undici = versions;
    if (bb) summary.blackboxVersion = bb.version;
    return { name: "probe", rows, details: summary, notes };
  } finally {
    await bb?.stop();
    await server?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchProbe();
  console.log(JSON.stringify(r, null, 2));
}
