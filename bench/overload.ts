/**
 * The monitor's own overload (DESIGN §9 "Inconclusive probes", issue 11): the measurements behind
 * `OVERLOAD_SHARE` (probe/overload.ts) and the start pacing (probe/run.ts), and the check of the sizing rule.
 * Sections 0-2 are not part of `npm run bench` (they take a few minutes and print their own tables):
 * `npx tsx bench/overload.ts [--quick] [--sizing]`. Section 3 (`benchSizing`) is `npm run bench --only sizing`.
 *
 * 0. Tick lateness of the loop watch (watch.ts) on an idle loop and during a paced run of 500 plain-HTTP
 *    probes against an in-process server: what STALL_FLOOR_MS must ignore.
 * 1. Stall sweep: the engine's event loop is blocked by a synchronous busy-wait of X ms while 40 probes
 *    (1 s deadline) are in flight against a healthy server in a child process (answers after 200 ms, so
 *    its CPU is not ours and it keeps answering while we are blocked). Which probes fail, how much stall
 *    each one logged, which ones are judged inconclusive.
 * 2. CPU share: 450 healthy HTTPS targets + 50 silent ones (accept, never answer a TLS handshake), probed
 *    by a child process held to a share of one CPU the way a cgroup CPU quota does it (CFS: once the
 *    process used `share` × 100 ms of CPU in a 100 ms period it is stopped until the period ends; here
 *    with SIGSTOP/SIGCONT driven by /proc/<pid>/task/N/schedstat), all at once (unpaced, concurrency 500)
 *    and paced (`runProbes` defaults). Healthy targets must not fail; silent ones must stay DOWN.
 * 3. Sizing, checked: see `benchSizing`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kill } from "node:process";
import { CPU_HEADROOM, maxTargetsPerShard, ONE_VCPU_MB, probeMemoryMb } from "../infra/aws/sizing.js";
import { MAX_CONCURRENCY } from "../packages/core/src/probe/cycle.js";
import { runProbes, watchEventLoop } from "../packages/core/src/probe/index.js";
import type { ProbeResult, ProbeSpec } from "../packages/core/src/probe/types.js";
import { CertFactory } from "../test/helpers/hostile-servers.js";
import {
  type BenchResult,
  type Child,
  log,
  quantile,
  type Row,
  round,
  runCleanups,
  startChild,
  summaryTable,
} from "./lib.js";

const SERVERS_JS = `
const http = require("node:http"), https = require("node:https"), net = require("node:net");
const ports = {};
const up = (name, server) => new Promise((r) => server.listen(0, "127.0.0.1", () => { ports[name] = server.address().port; r(); }));
const slow = http.createServer((req, res) => {
  req.resume();
  const ms = Number(new URL(req.url, "http://x").searchParams.get("ms") || 0);
  setTimeout(() => res.end("ok"), ms);
});
const tls = https.createServer({ key: process.env.KEY, cert: process.env.CERT }, (req, res) => { req.resume(); res.end("ok"); });
const silent = net.createServer((s) => { s.resume(); s.on("error", () => {}); });
Promise.all([up("http", slow), up("https", tls), up("silent", silent)]).then(() => console.log(JSON.stringify(ports)));
process.on("SIGTERM", () => process.exit(0));
`;

interface Compact {
  target: string;
  success: boolean;
  cause: string | null;
  observed: string | null;
  stallMs: number;
  durationMs: number;
}
const compact = (r: ProbeResult): Compact => ({
  target: r.target,
  success: r.success,
  cause: r.cause,
  observed: r.observedCause ?? null,
  stallMs: r.monitorStallMs ?? 0,
  durationMs: r.durationMs,
});

/** `verify`: the chain is verified (the prober child trusts the root), as for a healthy public target. */
const spec = (name: string, url: string, timeoutMs: number, verify = false): ProbeSpec => ({
  name,
  url,
  method: "GET",
  headers: {},
  expect: { status: [], maxBodyBytes: 1024 * 1024 },
  timeoutMs,
  ...(verify ? {} : { tls: { insecureSkipVerify: true } }),
  labels: {},
});

const busyWait = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the monitor hogging its own CPU
  }
};

// ---------------------------------------------------------------------------------------------------
// child mode: one probe run, results as one JSON line

interface ProberArgs {
  specs: ProbeSpec[];
  startsPerTick?: number;
  concurrency: number;
}

async function prober(args: ProberArgs): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await runProbes(args.specs, {
    concurrency: args.concurrency,
    ...(args.startsPerTick !== undefined ? { startsPerTick: args.startsPerTick } : {}),
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, results: results.map(compact) }),
  );
}

// ---------------------------------------------------------------------------------------------------
// CPU quota emulation

function cpuNs(pid: number): number {
  let sum = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread gone
    }
  }
  return sum;
}

/** Holds `pid` to `share` of one CPU per `periodMs`, as a CFS quota does. Returns a stop function. */
function throttle(pid: number, share: number, periodMs = 100): () => void {
  let periodStart = performance.now();
  let cpuAtStart = cpuNs(pid);
  let stopped = false;
  const iv = setInterval(() => {
    try {
      const now = performance.now();
      if (now - periodStart >= periodMs) {
        periodStart = now;
        cpuAtStart = cpuNs(pid);
        if (stopped) kill(pid, "SIGCONT");
        stopped = false;
      } else if (!stopped && (cpuNs(pid) - cpuAtStart) / 1e6 >= share * periodMs) {
        kill(pid, "SIGSTOP");
        stopped = true;
      }
    } catch {
      clearInterval(iv); // the child is gone
    }
  }, 1);
  return () => {
    clearInterval(iv);
    try {
      kill(pid, "SIGCONT");
    } catch {
      // gone
    }
  };
}

/** One probe run in a child process held to `share` of a CPU (null: unthrottled); `rootFile` is trusted. */
async function childRun(
  args: ProberArgs,
  share: number | null,
  rootFile?: string,
): Promise<{ wallMs: number; cpuMs: number; results: Compact[] }> {
  const dir = mkdtempSync(join(tmpdir(), "overload-"));
  const file = join(dir, "args.json");
  writeFileSync(file, JSON.stringify(args));
  const child: Child = await startChild(
    process.execPath,
    ["--import", "tsx", "bench/overload.ts", "--prober", file],
    { waitLine: false, env: rootFile ? { ...process.env, NODE_EXTRA_CA_CERTS: rootFile } : process.env },
  );
  const release = share === null ? () => {} : throttle(child.pid, share);
  let out = "";
  child.proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => child.proc.once("exit", r));
  release();
  await child.stop();
  rmSync(dir, { recursive: true, force: true });
  const line = out.trim().split("\n").pop() ?? "";
  if (!line.startsWith("{")) throw new Error(`prober printed no result (exit ${child.proc.exitCode})`);
  return JSON.parse(line) as { wallMs: number; cpuMs: number; results: Compact[] };
}

// ---------------------------------------------------------------------------------------------------

const pct = (x: number) => `${round(x * 100, 1)} %`;
function tally(results: Compact[]): string {
  const by = new Map<string, number>();
  for (const r of results) {
    const k = r.success ? "ok" : r.cause === "monitor-overload" ? `inconclusive(${r.observed})` : r.cause!;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  return [...by].map(([k, n]) => `${k} ${n}`).join(", ");
}

async function tickLateness(): Promise<void> {
  const lags = async (during: () => Promise<unknown>) => {
    const seen: number[] = [];
    const watch = watchEventLoop((lag) => seen.push(lag));
    await during();
    watch.stop();
    return `p50 ${round(quantile(seen, 0.5), 2)} p99 ${round(quantile(seen, 0.99), 2)} max ${round(Math.max(...seen), 2)} ms (${seen.length} ticks)`;
  };
  log(`tick lateness, idle 2 s: ${await lags(() => new Promise((r) => setTimeout(r, 2000)))}`);
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const specs = Array.from({ length: 500 }, (_, i) => spec(`t${i}`, url, 5000));
  log(
    `tick lateness, 500 plain-HTTP probes paced: ${await lags(() => runProbes(specs, { concurrency: 500 }))}`,
  );
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function stallSweep(httpPort: number, quick: boolean): Promise<void> {
  const timeoutMs = 1000;
  const url = `http://127.0.0.1:${httpPort}/?ms=200`;
  const xs = quick ? [0, 500, 900, 1000, 1500] : [0, 100, 250, 500, 750, 900, 950, 1000, 1100, 1500];
  log(
    `stall sweep: 40 probes, deadline ${timeoutMs} ms, server answers after 200 ms, busy-wait X ms at +30 ms`,
  );
  for (const x of xs) {
    const specs = Array.from({ length: 40 }, (_, i) => spec(`p${i}`, url, timeoutMs));
    // from the check phase, as a stall from I/O callbacks (TLS handshakes) comes: the next loop turn runs
    // the timers (deadlines) before the poll phase (answers). A busy-wait inside a timer callback would let
    // the answers win, since timers that fell due during a timer callback wait for the next turn.
    const timer = x > 0 ? setTimeout(() => setImmediate(() => busyWait(x)), 30) : undefined;
    const results = (await runProbes(specs, { concurrency: 40 })).map(compact);
    clearTimeout(timer);
    const failed = results.filter((r) => !r.success);
    const okShares = results.filter((r) => r.success).map((r) => r.stallMs / timeoutMs);
    const failShares = failed.map((r) => r.stallMs / timeoutMs);
    log(
      `  X=${String(x).padStart(4)} ms (${pct(x / timeoutMs).padStart(7)} of deadline): ${tally(results)}; ` +
        `stall share of failed ${failed.length ? `${pct(Math.min(...failShares))}..${pct(Math.max(...failShares))}` : "-"}, ` +
        `of successes max ${okShares.length ? pct(Math.max(...okShares)) : "-"}`,
    );
  }
}

async function cpuShare(ports: { https: number; silent: number }, quick: boolean): Promise<void> {
  const timeoutMs = 2000;
  const specs = [
    ...Array.from({ length: 450 }, (_, i) => spec(`ok-${i}`, `https://127.0.0.1:${ports.https}/`, timeoutMs)),
    ...Array.from({ length: 50 }, (_, i) =>
      spec(`hang-${i}`, `https://127.0.0.1:${ports.silent}/`, timeoutMs),
    ),
  ];
  const shares: (number | null)[] = quick ? [null, 0.43] : [null, 0.43, 0.25];
  // What a 0 ms HTTPS endpoint measures alone (one probe at a time, full CPU): the latency a full shard
  // must report for it too, within 100 ms at p99, or the monitor's queueing is passed off as the target's.
  const alone = await childRun({ specs: specs.slice(0, 30), concurrency: 1 }, null);
  const aloneP99 = quantile(
    alone.results.filter((x) => x.success).map((x) => x.durationMs),
    0.99,
  );
  log(`CPU share: a healthy HTTPS target alone: p99 ${round(aloneP99, 1)} ms`);
  log(`CPU share: 450 healthy HTTPS + 50 silent targets, deadline ${timeoutMs} ms, concurrency 500`);
  for (const share of shares) {
    for (const paced of [false, true]) {
      const r = await childRun({ specs, concurrency: 500, ...(paced ? {} : { startsPerTick: 1e9 }) }, share);
      const ok = r.results.filter((x) => x.target.startsWith("ok-"));
      const hang = r.results.filter((x) => x.target.startsWith("hang-"));
      const stall = (xs: Compact[]) => xs.map((x) => x.stallMs / timeoutMs);
      const s = stall(r.results);
      log(
        `  ${share === null ? "full CPU" : `${share} CPU`}, ${paced ? "paced  " : "unpaced"}: run ${Math.round(r.wallMs)} ms, ` +
          `CPU ${round(r.cpuMs / r.results.length, 2)} ms/probe; healthy: ${tally(ok)}; silent: ${tally(hang)}; ` +
          `stall share p50 ${pct(quantile(s, 0.5))} p95 ${pct(quantile(s, 0.95))} max ${pct(Math.max(...s))}; ` +
          `silent max ${pct(Math.max(...stall(hang)))}`,
      );
      const okP99 = quantile(
        ok.filter((x) => x.success).map((x) => x.durationMs),
        0.99,
      );
      log(
        `    healthy latency p99 ${round(okP99, 1)} ms: ${round(okP99 - aloneP99, 1)} ms above alone (target <= 100 ms)`,
      );
    }
  }
}

/** The HTTPS/silent/slow servers in a child process (their CPU is not the prober's), presenting `cert`. */
async function startServers(cert: { key: string; cert: string }) {
  const servers = await startChild(process.execPath, ["-e", SERVERS_JS], {
    waitLine: true,
    env: { ...process.env, KEY: cert.key, CERT: cert.cert },
  });
  return { servers, ports: JSON.parse(servers.firstLine) as { http: number; https: number; silent: number } };
}

/** Sized shards at their deadline, smallest first (`npm run bench --only sizing`). */
const SIZED_DEADLINES_MS = [2000, 10_000] as const;

/**
 * Sizing, checked (issue 11 "Done when"): shards sized by infra/aws/sizing.ts, each probed by a child held to
 * the vCPU share the rule gives it (the CFS emulation above, from the child's first instruction, so its cold
 * start is inside the quota), against a verified chain (leaf + intermediate, root trusted), one target of each
 * shard silent (accepts, never answers a TLS handshake). For each deadline: the sizing maximum and smaller
 * shards at their own (smaller) shares, then 2× and 4× the maximum at one whole vCPU (over-sized: where the
 * margin ends). Counts healthy targets up / inconclusive / DOWN (false DOWN must be 0), the silent one must be
 * DOWN, and compares the healthy targets' p99 latency with the same endpoint probed alone (target: within
 * 100 ms, or the monitor's queueing is reported as the target's latency).
 */
export async function benchSizing({ quick = false }: { quick?: boolean } = {}): Promise<BenchResult> {
  const certs = new CertFactory();
  let servers: Child | undefined;
  const rows: Row[] = [];
  const notes: string[] = [];
  const runs: Record<string, unknown>[] = [];
  try {
    const chain = certs.fullChain(90, 60, 3650);
    const started = await startServers(chain);
    servers = started.servers;
    const url = `https://127.0.0.1:${started.ports.https}/`;
    const silentUrl = `https://127.0.0.1:${started.ports.silent}/`;
    for (const deadlineMs of quick ? [SIZED_DEADLINES_MS[0]] : SIZED_DEADLINES_MS) {
      const config = (n: number) => ({
        targets: Array.from({ length: n }, () => ({ timeoutMs: deadlineMs })),
        slos: [],
      });
      const nMax = maxTargetsPerShard(config(1));
      const alone = await childRun(
        {
          specs: Array.from({ length: 30 }, (_, i) => spec(`alone-${i}`, url, deadlineMs, true)),
          concurrency: 1,
        },
        null,
        chain.rootFile,
      );
      const aloneP99 = quantile(
        alone.results.filter((x) => x.success).map((x) => x.durationMs),
        0.99,
      );
      log(
        `sizing: deadline ${deadlineMs} ms: sized maximum ${nMax} targets a shard; alone p99 ${round(aloneP99, 1)} ms`,
      );
      const sized = quick ? [nMax] : [Math.ceil(nMax / 4), Math.ceil(nMax / 2), nMax];
      const over = quick ? [] : [2 * nMax, 4 * nMax].filter((n) => n <= MAX_CONCURRENCY * 4);
      let largestClean = 0;
      let atMax: { falseDown: number; deltaP99: number; inconclusive: number } | undefined;
      for (const n of [...sized, ...over]) {
        const oversized = n > nMax;
        const share = oversized ? 1 : probeMemoryMb(config(n)) / ONE_VCPU_MB;
        const specs = [
          ...Array.from({ length: n - 1 }, (_, i) => spec(`ok-${i}`, url, deadlineMs, true)),
          spec("hang", silentUrl, deadlineMs, true),
        ];
        const r = await childRun({ specs, concurrency: Math.min(n, MAX_CONCURRENCY) }, share, chain.rootFile);
        const ok = r.results.filter((x) => x.target.startsWith("ok-"));
        const hang = r.results.find((x) => x.target === "hang");
        const falseDown = ok.filter((x) => !x.success && x.cause !== "monitor-overload").length;
        const inconclusive = ok.filter((x) => x.cause === "monitor-overload").length;
        const okP99 = quantile(
          ok.filter((x) => x.success).map((x) => x.durationMs),
          0.99,
        );
        const deltaP99 = okP99 - aloneP99;
        const hangDown = hang !== undefined && !hang.success && hang.cause !== "monitor-overload";
        const maxStall = Math.max(...r.results.map((x) => x.stallMs / deadlineMs));
        log(
          `  ${n} targets at ${round(share, 2)} vCPU${oversized ? " (over-sized)" : ""}: healthy ${tally(ok)}; ` +
            `silent ${hang ? tally([hang]) : "missing"}; stall max ${pct(maxStall)}; ` +
            `healthy p99 ${round(okP99, 1)} ms (${round(deltaP99, 1)} ms above alone); ` +
            `CPU ${round(r.cpuMs / r.results.length, 2)} ms/probe; run ${Math.round(r.wallMs)} ms`,
        );
        runs.push({
          deadlineMs,
          targets: n,
          share,
          oversized,
          falseDown,
          inconclusive,
          hangDown,
          deltaP99,
          maxStall,
          cpuMsPerProbe: r.cpuMs / r.results.length,
        });
        if (!hangDown) notes.push(`sizing: the silent target of ${n} at ${deadlineMs} ms was not DOWN`);
        if (!oversized && falseDown === 0 && hangDown) largestClean = Math.max(largestClean, n);
        if (n === nMax) atMax = { falseDown, deltaP99, inconclusive };
        if (oversized)
          rows.push({
            bench: "sizing",
            metric: `${deadlineMs / 1000} s deadline, ${n} targets (${n / nMax}× the sized maximum) at 1 vCPU: healthy DOWN / inconclusive`,
            measured: falseDown,
            unit: `DOWN (${inconclusive} inconclusive)`,
            target: null,
          });
      }
      rows.push({
        bench: "sizing",
        metric: `${deadlineMs / 1000} s deadline: largest shard with 0 false DOWN at its sized share`,
        measured: largestClean,
        unit: "targets",
        target: nMax,
        better: "higher",
      });
      if (atMax) {
        rows.push({
          bench: "sizing",
          metric: `${deadlineMs / 1000} s deadline, full shard (${nMax}) at its sized share: healthy p99 above alone`,
          measured: round(atMax.deltaP99, 1),
          unit: "ms",
          target: 100,
          better: "lower",
          note: `${atMax.inconclusive} healthy inconclusive, ${atMax.falseDown} false DOWN`,
        });
      }
    }
  } finally {
    await servers?.stop();
    certs.cleanup();
  }
  return { name: "sizing", rows, details: { runs, cpuHeadroom: CPU_HEADROOM }, notes };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--prober");
  if (i >= 0) return prober(JSON.parse(readFileSync(process.argv[i + 1]!, "utf8")) as ProberArgs);
  const quick = process.argv.includes("--quick");
  const certs = new CertFactory();
  let servers: Child | undefined;
  try {
    const started = await startServers(certs.selfSigned(30));
    servers = started.servers;
    await tickLateness();
    await stallSweep(started.ports.http, quick);
    await cpuShare(started.ports, quick);
    if (process.argv.includes("--sizing")) {
      const r = await benchSizing({ quick });
      console.log(summaryTable(r.rows));
    }
  } finally {
    await servers?.stop();
    certs.cleanup();
    await runCleanups();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
