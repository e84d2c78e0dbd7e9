/**
 * Deadline precision: 100 probes with a 1000 ms total deadline against each hostile peer, 10 in flight
 * (a worker pool around `probeTarget`, as `runProbes` does), overshoot = time the caller waited - 1000 ms.
 * Peers (all on 127.0.0.1): silent (accepts, never answers), trickle (headers then one byte every 200 ms),
 * a DNS server that never answers (probes with `dnsServers` pointed at it), half-open TLS (accepts TCP, never answers the ClientHello), dropped connect (a listener whose accept queue
 * is full, so the kernel drops our SYNs: needs python3 for a socket that listens without accepting). Only
 * loopback: a "non-routable" address is not a dropped connect on every network (something on the path may
 * answer), and nothing this project runs sends traffic off the machine.
 */
import { connect, type Socket } from "node:net";
import { MAX_CONCURRENCY } from "../packages/core/src/probe/cycle.js";
import { probeTarget, runProbes } from "../packages/core/src/probe/index.js";
import { STARTS_PER_TICK } from "../packages/core/src/probe/run.js";
import type { ProbeOptions, ProbeResult, ProbeSpec } from "../packages/core/src/probe/types.js";
import { createPrometheusClient } from "../packages/core/src/prometheus/index.js";
import { startDnsServer } from "../test/helpers/dns-server.js";
import {
  type HostileServer,
  type RunningServer,
  startHostileHttp,
  startSilentTcp,
} from "../test/helpers/hostile-servers.js";
import { type BenchResult, type Child, log, quantile, type Row, round, startChild } from "./lib.js";

const DEADLINE_MS = 1000;
const PROBES = 100;
const CONCURRENCY = 10;
const TARGET_MAX_OVERSHOOT_MS = 50;
const RUN_TARGETS = 1000;

const BACKLOG_PY = `
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
while True:
    time.sleep(3600)
`;

function spec(url: string): ProbeSpec {
  return {
    name: "hostile",
    url,
    method: "GET",
    headers: {},
    expect: { status: [], maxBodyBytes: 1024 * 1024 },
    timeoutMs: DEADLINE_MS,
    labels: {},
    tls: { insecureSkipVerify: true },
  };
}

interface KindResult {
  overshootMs: { p50: number; p99: number; max: number; min: number };
  engineOvershootMs: { p50: number; p99: number; max: number };
  causes: Record<string, number>;
  /** HTTP status of the answer ("none" when no headers arrived) */
  statuses: Record<string, number>;
  wallMs: number;
}

async function measure(
  url: string,
  options: ProbeOptions = {},
): Promise<{ results: ProbeResult[]; waited: number[]; wallMs: number }> {
  const s = spec(url);
  const results: ProbeResult[] = [];
  const waited: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < PROBES) {
      next++;
      const start = performance.now();
      const r = await probeTarget(s, options);
      waited.push(performance.now() - start);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { results, waited, wallMs: performance.now() - t0 };
}

function summarize(m: Awaited<ReturnType<typeof measure>>): KindResult {
  const over = m.waited.map((w) => w - DEADLINE_MS);
  const inner = m.results.map((r) => r.durationMs - DEADLINE_MS);
  const causes: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  for (const r of m.results) {
    const k = r.cause ?? (r.success ? "success" : "unknown");
    causes[k] = (causes[k] ?? 0) + 1;
    const st = r.status === null ? "none" : String(r.status);
    statuses[st] = (statuses[st] ?? 0) + 1;
  }
  return {
    overshootMs: {
      p50: round(quantile(over, 0.5), 2),
      p99: round(quantile(over, 0.99), 2),
      max: round(Math.max(...over), 2),
      min: round(Math.min(...over), 2),
    },
    engineOvershootMs: {
      p50: round(quantile(inner, 0.5), 2),
      p99: round(quantile(inner, 0.99), 2),
      max: round(Math.max(...inner), 2),
    },
    causes,
    statuses,
    wallMs: round(m.wallMs, 1),
  };
}

/** A 127.0.0.1 port whose accept queue is full: further connects hang in SYN-SENT (their SYNs are dropped). */
async function startDroppedConnect(): Promise<{ port: number; stop(): Promise<void> } | { skipped: string }> {
  let py: Child;
  try {
    py = await startChild("python3", ["-c", BACKLOG_PY], { waitLine: true, timeoutMs: 5000 });
  } catch (e) {
    return { skipped: `no python3 to hold a listen-without-accept socket (${(e as Error).message})` };
  }
  const port = Number(py.firstLine.trim());
  const fillers: Socket[] = [];
  const stop = async () => {
    for (const f of fillers) f.destroy();
    await py.stop();
  };
  // listen(0) leaves room for one queued connection; fill it, then check that a further connect hangs
  for (let i = 0; i < 2; i++) {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  const hangs = await new Promise<boolean>((res) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => res(false));
    s.once("connect", () => res(false));
    setTimeout(() => res(true), 300);
    fillers.push(s);
  });
  if (!hangs) {
    await stop();
    return { skipped: "a full accept queue did not drop SYNs on this kernel (connect succeeded)" };
  }
  return { port, stop };
}

export async function benchDeadline(): Promise<BenchResult> {
  const rows: Row[] = [];
  const details: Record<string, unknown> = {
    deadlineMs: DEADLINE_MS,
    probes: PROBES,
    concurrency: CONCURRENCY,
  };
  const notes: string[] = [];
  const servers: { close(): Promise<void> }[] = [];
  try {
    const http: HostileServer = await startHostileHttp();
    servers.push(http);
    const silent: RunningServer = await startSilentTcp("http");
    servers.push(silent);
    const tls: RunningServer = await startSilentTcp("https");
    servers.push(tls);
    const dropped = await startDroppedConnect();
    if ("port" in dropped) servers.push({ close: dropped.stop });
    else notes.push(`dropped connect skipped: ${dropped.skipped}`);

    const dns = await startDnsServer({ silent: "all" });
    servers.push(dns);

    const kinds: [string, string, string, ProbeOptions?][] = [
      ["silent", `${silent.url}/`, "timeout:headers"],
      ["trickle", `${http.url}/trickle`, "timeout:body"],
      ["half-open TLS", `${tls.url}/`, "timeout:tls"],
      // a DNS server on 127.0.0.1 that never answers (the name never reaches the machine's resolver)
      ["silent DNS server", "http://never-answered.test/", "timeout:dns", { dnsServers: [dns.address] }],
    ];
    if ("port" in dropped)
      kinds.push(["dropped connect", `http://127.0.0.1:${dropped.port}/`, "timeout:connect"]);
    for (const [kind, url, expected, options] of kinds) {
      const k = summarize(await measure(url, options));
      details[kind] = { ...k, expectedCause: expected };
      log(
        `deadline: ${kind}: overshoot p50 ${k.overshootMs.p50} p99 ${k.overshootMs.p99} max ${k.overshootMs.max} ms, causes ${JSON.stringify(k.causes)}`,
      );
      const wrong = PROBES - (k.causes[expected] ?? 0);
      rows.push(
        {
          bench: "deadline",
          metric: `${kind}: overshoot max (p50 ${k.overshootMs.p50}, p99 ${k.overshootMs.p99})`,
          measured: k.overshootMs.max,
          unit: "ms",
          target: TARGET_MAX_OVERSHOOT_MS,
          ...(wrong > 0 ? { note: `${wrong} probes ended with another cause than ${expected}` } : {}),
        },
        {
          bench: "deadline",
          metric: `${kind}: probes ending with ${expected}`,
          measured: (k.causes[expected] ?? 0) / PROBES,
          unit: "",
          target: 1,
          better: "higher",
        },
      );
    }

    // Whole runs, the figures the tests no longer assert: a probe run with hanging targets among healthy
    // ones ends one deadline after it started; a Prometheus query that never answers gives up after
    // (retries + 1) deadlines and the backoff.
    const runSpecs = Array.from({ length: RUN_TARGETS }, (_, i) =>
      i % 10 === 9
        ? { ...spec(`${silent.url}/t${i}`), name: `hang-${i}` }
        : { ...spec(`${http.url}/ok`), name: `ok-${i}`, timeoutMs: 30_000 },
    );
    const r0 = performance.now();
    const run = await runProbes(runSpecs, { concurrency: MAX_CONCURRENCY });
    const runMs = performance.now() - r0;
    const healthyOk = run.filter((r) => r.target.startsWith("ok-") && r.success).length;
    details.run = { targets: RUN_TARGETS, hanging: RUN_TARGETS / 10, wallMs: round(runMs, 1), healthyOk };
    log(`deadline: run of ${RUN_TARGETS} targets (10 % hanging): ${round(runMs, 0)} ms`);
    rows.push({
      bench: "deadline",
      metric: `run of ${RUN_TARGETS} targets, 10 % hanging: wall / deadline (${healthyOk} healthy up)`,
      measured: round(runMs / DEADLINE_MS, 2),
      unit: "x",
      // one deadline after the last start: the paced starts (STARTS_PER_TICK per 10 ms) spread over
      // RUN_TARGETS / (100 x STARTS_PER_TICK) s, then the last probe's deadline, + 20 % for the machine
      target: round((1 + RUN_TARGETS / (100 * STARTS_PER_TICK) / (DEADLINE_MS / 1000)) * 1.2, 2),
    });

    const promTimeout = 300;
    const client = createPrometheusClient({
      url: `${silent.url}`,
      timeoutMs: promTimeout,
      retries: 2,
      backoffMs: [20],
    });
    const q0 = performance.now();
    await client.instant("up").catch(() => undefined);
    const queryMs = performance.now() - q0;
    const ideal = 3 * promTimeout + 2 * 20;
    rows.push({
      bench: "deadline",
      metric: `Prometheus query that never answers, 3 attempts of ${promTimeout} ms: wall / ${ideal} ms`,
      measured: round(queryMs / ideal, 3),
      unit: "x",
      target: 1.05,
    });
    return { name: "deadline", rows, details, notes };
  } finally {
    for (const s of servers.reverse()) await s.close().catch(() => {});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchDeadline();
  console.log(JSON.stringify(r, null, 2));
}
