/**
 * Sizing is measured (DESIGN §9, issue 11): a shard sized by infra/aws/sizing.ts, probed by a monitor held to
 * the vCPU share the rule gives it, reports no healthy target DOWN.
 *
 * 500 healthy HTTPS targets (half answer at once, half after 300 ms; a real chain, leaf + intermediate, the
 * root trusted through NODE_EXTRA_CA_CERTS) and one hanging target (a TCP server that accepts and never
 * answers), all with the same deadline: 2 s (the issue's shard) in one case, the config default of 10 s in
 * the other. The rule splits them into shards and gives the function its memory, i.e. its vCPU share; each shard is probed as the probe Lambda
 * probes it: `runProbeCycle` on that shard, in a child process that sits in a cgroup v1 CPU quota of
 * exactly the sized share (cpu.cfs_quota_us = share × cpu.cfs_period_us, as Lambda enforces memory / 1769 MB
 * of a vCPU). The shards run one after the other (on Lambda each has a machine of its own; here they would
 * compete for two cores). The servers run in another child process, so the quota holds the monitor only.
 * Each cgroup is removed afterwards, also on failure. Without a writable cgroup v1 cpu controller (Linux,
 * root) the test fails and says why.
 *
 * Asserted: every healthy target is up or inconclusive (the monitor's own overload, never DOWN), and each
 * cycle's overload summary counts and names the inconclusive ones; the hanging target ended at its deadline
 * (allowing LOADED_MACHINE_MARGIN_MS) and is DOWN with timeout:headers, or, only when its measured monitor
 * stall exceeded OVERLOAD_SHARE of the deadline (other processes hogging the machine), inconclusive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CPU_HEADROOM,
  HTTPS_PROBE_CPU_MS,
  ONE_VCPU_MB,
  probeMemoryMb,
  probeShards,
  targetsPerShard,
} from "../../infra/aws/sizing.js";
import { OVERLOAD_SHARE } from "../../packages/core/src/probe/index.js";
import { CertFactory } from "../helpers/hostile-servers.js";
import type { ChildCycleOutput } from "../helpers/probe-cycle-child.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CPU_CGROUP_ROOT = "/sys/fs/cgroup/cpu";
const PERIOD_US = 100_000;
const HEALTHY = 500;
/**
 * Every target's deadline, one case each: 2 s (the issue's shard: the CPU rule makes four shards of ~125 at
 * 0.75 vCPU) and the config default of 10 s (two shards of ~250, at 0.3 vCPU, which the quota really
 * throttles the monitor to). The numbers follow from HTTPS_PROBE_CPU_MS; the test reads them from the rule.
 */
const DEADLINES_MS = [2000, 10_000];
const SLOW_MS = 300;

/** Servers in a child process: an https server (`/ok` at once, `/slow` after SLOW_MS) and a silent TCP server. */
const SERVERS_JS = `
const https = require("node:https"), net = require("node:net");
const ports = {};
const up = (name, server) => new Promise((r) => server.listen(0, "127.0.0.1", 1024, () => { ports[name] = server.address().port; r(); }));
const tls = https.createServer({ key: process.env.KEY, cert: process.env.CERT }, (req, res) => {
  req.resume();
  const reply = () => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  if (req.url.startsWith("/slow")) setTimeout(reply, ${SLOW_MS}); else reply();
});
tls.on("tlsClientError", () => {});
const silent = net.createServer((s) => { s.resume(); s.on("error", () => {}); });
Promise.all([up("https", tls), up("silent", silent)]).then(() => console.log(JSON.stringify(ports)));
process.on("SIGTERM", () => process.exit(0));
`;

interface CpuCgroup {
  path: string;
  add(pid: number): Promise<void>;
  stat(): Promise<Record<string, number>>;
  remove(): Promise<void>;
}

/** A cgroup v1 cpu group holding its processes to `share` of one CPU. Fails with a clear message where it cannot. */
async function createCpuCgroup(share: number): Promise<CpuCgroup> {
  const path = join(CPU_CGROUP_ROOT, `sla-cpu-quota-${process.pid}-${Date.now()}`);
  try {
    await mkdir(path);
    await writeFile(join(path, "cpu.cfs_period_us"), String(PERIOD_US));
    await writeFile(join(path, "cpu.cfs_quota_us"), String(Math.round(share * PERIOD_US)));
  } catch (e) {
    await rmdir(path).catch(() => {});
    throw new Error(
      `this test holds the monitor to its sized vCPU share with a cgroup v1 CPU quota, and cannot create one ` +
        `here: ${(e as Error).message}. It needs Linux with the cgroup v1 cpu controller mounted at ` +
        `${CPU_CGROUP_ROOT} and the right to create groups in it (root).`,
    );
  }
  return {
    path,
    async add(pid) {
      // cgroup.procs moves every thread of the process (libuv's pool, V8's helpers) and the ones it starts later
      await writeFile(join(path, "cgroup.procs"), String(pid));
    },
    async stat() {
      const text = await readFile(join(path, "cpu.stat"), "utf8");
      return Object.fromEntries(
        text
          .trim()
          .split("\n")
          .map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1])]),
      );
    },
    async remove() {
      for (let attempt = 0; ; attempt++) {
        // anything still inside goes back to the root group first (rmdir refuses a group with tasks)
        const left = (await readFile(join(path, "cgroup.procs"), "utf8").catch(() => "")).trim();
        for (const pid of left ? left.split("\n") : []) {
          await writeFile(join(CPU_CGROUP_ROOT, "cgroup.procs"), pid).catch(() => {});
        }
        try {
          await rmdir(path);
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
}

/** Resolves with the child's next stdout line, rejects when it exits first or after `ms`. */
function nextLine(
  child: ChildProcess,
  lines: AsyncIterator<string>,
  ms: number,
  what: string,
): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    lines.next().then((r) => {
      if (r.done) throw new Error(`the monitor child ended before ${what} (exit ${child.exitCode})`);
      return r.value;
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} from the monitor child within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One shard's probe cycle in a child process held to `share` of a CPU by a cgroup of its own (joined once
 * the child has loaded, before it starts probing); the cgroup's cpu.stat is read before it is removed.
 */
async function probeShardUnderQuota(
  configFile: string,
  stateDir: string,
  shardFile: string,
  share: number,
): Promise<{ out: ChildCycleOutput; stat: Record<string, number> }> {
  const cgroup = await createCpuCgroup(share);
  let monitor: ChildProcess | undefined;
  try {
    monitor = spawn(
      process.execPath,
      ["--import", "tsx", "test/helpers/probe-cycle-child.ts", configFile, stateDir, shardFile],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: chain.rootFile },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines = createInterface({ input: monitor.stdout! })[Symbol.asyncIterator]();
    expect(await nextLine(monitor, lines, 30_000, "ready")).toBe("ready");
    await cgroup.add(monitor.pid!);
    // the quota holds the monitor (and only it): it is in the group, with the sized quota
    expect(await readFile(`/proc/${monitor.pid}/cgroup`, "utf8")).toContain(
      `:cpu:/${cgroup.path.slice(CPU_CGROUP_ROOT.length + 1)}\n`,
    );
    expect(Number(await readFile(join(cgroup.path, "cpu.cfs_quota_us"), "utf8"))).toBe(
      Math.round(share * PERIOD_US),
    );
    monitor.stdin!.end("go\n");
    const out = JSON.parse(await nextLine(monitor, lines, 60_000, "the cycle's result")) as ChildCycleOutput;
    return { out, stat: await cgroup.stat() };
  } finally {
    if (monitor && monitor.exitCode === null && monitor.signalCode === null) {
      monitor.kill("SIGKILL");
      await once(monitor, "exit");
    }
    await cgroup.remove();
  }
}

const certs = new CertFactory();
const dirs: string[] = [];
let servers: ChildProcess | undefined;
let ports: { https: number; silent: number };
let chain: ReturnType<CertFactory["fullChain"]>;

beforeAll(async () => {
  chain = certs.fullChain(90, 60, 3650); // the intermediate expires first
  servers = spawn(process.execPath, ["-e", SERVERS_JS], {
    env: { ...process.env, KEY: chain.key, CERT: chain.cert },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(createInterface({ input: servers.stdout! }), "line")) as [string];
  ports = JSON.parse(line) as typeof ports;
});

afterAll(async () => {
  if (servers && servers.exitCode === null) {
    servers.kill("SIGTERM");
    await once(servers, "exit");
  }
  certs.cleanup();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("a shard at its sized vCPU share (cgroup CPU quota)", () => {
  it.each(DEADLINES_MS)(
    "%i ms deadlines: no healthy target DOWN, a hanging one ended at its deadline and judged by its stall",
    { timeout: 60_000 },
    async (timeoutMs) => {
      // the hanging target first: its window spans its whole shard's burst of handshakes (the worst case
      // for being blamed on the monitor)
      const targets = [
        { name: "hang", url: `http://127.0.0.1:${ports.silent}/`, timeoutMs },
        ...Array.from({ length: HEALTHY }, (_, i) => ({
          name: `healthy-${i}`,
          url: `https://127.0.0.1:${ports.https}/${i % 2 === 0 ? "ok" : `slow?i=${i}`}`,
          timeoutMs,
        })),
      ];
      // the rule (infra/aws/sizing.ts): shards of at most this many, each at this share of a vCPU
      const sizing = { targets, slos: [] };
      const perShard = targetsPerShard(sizing);
      const share = probeMemoryMb(sizing) / ONE_VCPU_MB;
      expect(perShard * HTTPS_PROBE_CPU_MS).toBeLessThanOrEqual(CPU_HEADROOM * timeoutMs * share + 1e-9);
      const shards = probeShards(
        sizing,
        targets.map((t) => t.name),
      );

      const dir = await mkdtemp(join(tmpdir(), "sla-cpu-quota-"));
      dirs.push(dir);
      const configFile = join(dir, "sla.config.json");
      await writeFile(configFile, JSON.stringify({ targets, notify: { downAfter: 1, recoverAfter: 1 } }));
      await mkdir(join(dir, "state"));

      const cycles: { shard: string[]; out: ChildCycleOutput; stat: Record<string, number> }[] = [];
      for (const [i, shard] of shards.entries()) {
        const shardFile = join(dir, `shard-${i}.json`);
        await writeFile(shardFile, JSON.stringify(shard));
        cycles.push({
          shard,
          ...(await probeShardUnderQuota(configFile, join(dir, "state"), shardFile, share)),
        });
      }

      const results = cycles.flatMap((c) => c.out.results);
      expect(results.map((r) => r.target).sort()).toEqual(targets.map((t) => t.name).sort());
      const healthy = results.filter((r) => r.target.startsWith("healthy-"));
      const up = healthy.filter((r) => r.success);
      const inconclusive = healthy.filter((r) => r.inconclusive);
      const hang = results.find((r) => r.target === "hang")!;
      console.log(
        `[cpu-quota] ${shards.length} shard(s) of up to ${perShard}, ${share.toFixed(3)} vCPU (${probeMemoryMb(sizing)} MB): ` +
          `healthy up ${up.length}, inconclusive ${inconclusive.length}, ` +
          `DOWN ${healthy.length - up.length - inconclusive.length}; hang ${hang.cause} after ${hang.durationMs} ms ` +
          `(monitor stall in it ${hang.monitorStallMs} ms)`,
      );
      for (const { shard, out, stat } of cycles) {
        console.log(
          `[cpu-quota]   shard of ${shard.length}: CPU ${(out.cpuMs / shard.length).toFixed(2)} ms/probe, ` +
            `cycle ${Math.round(out.wallMs)} ms, inconclusive ${out.overload.inconclusive}, max monitor stall in a ` +
            `probe ${out.overload.maxStallMs} ms; throttled ${stat.nr_throttled}/${stat.nr_periods} periods, ` +
            `${Math.round((stat.throttled_time ?? 0) / 1e6)} ms`,
        );
      }

      expect(healthy).toHaveLength(HEALTHY);
      // no healthy target is DOWN: each one is up, or inconclusive (the monitor's own overload)
      expect(
        healthy.filter((r) => !r.success && !r.inconclusive).map((r) => `${r.target}: ${r.cause}`),
      ).toEqual([]);
      expect(up.length + inconclusive.length).toBe(HEALTHY);
      for (const r of inconclusive) expect(r.cause).toBe("monitor-overload");
      // each cycle's summary says which, and how many
      for (const { shard, out } of cycles) {
        const mine = out.results.filter((r) => r.inconclusive);
        expect(out.overload).toMatchObject({
          inconclusive: mine.length,
          probes: shard.length,
          targets: mine.map((r) => r.target),
        });
      }
      expect(cycles.reduce((n, c) => n + c.out.overload.inconclusive, 0)).toBe(
        results.filter((r) => r.inconclusive).length,
      );
      // The hanging target is judged by the rule on its own measured stall: DOWN when the monitor was stalled
      // at most a quarter of its deadline (the sized share alone stalls it far less, see the log lines); on a
      // machine whose other processes took the CPU for longer (seen at load average 13: 1.4 s of a 2 s
      // deadline) it is inconclusive, never up, and its observed cause is still the target's timeout.
      expect(hang.monitorStallMs).toEqual(expect.any(Number));
      const hangJudgedDown = hang.monitorStallMs! <= OVERLOAD_SHARE * timeoutMs;
      // the breach state machine agrees: the hanging target is the only DOWN (none when inconclusive)
      expect(
        cycles
          .flatMap((c) => c.out.events)
          .filter((e) => e.type === "down")
          .map((e) => e.target),
      ).toEqual(hangJudgedDown ? ["hang"] : []);

      // the chain verified, and its expiry facts are exact: the leaf's, and the intermediate's as the earliest
      const notAfter = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString();
      const [leafPem, intermediatePem] = chain.cert.match(
        /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
      )!;
      for (const r of up) {
        expect(r).toMatchObject({
          trusted: true,
          leafExpiry: notAfter(leafPem!),
          earliestExpiry: notAfter(intermediatePem!),
        });
      }

      // the hanging target: DOWN by its own deadline, not blamed on the monitor, unless the rule says so
      if (hangJudgedDown)
        expect(hang).toMatchObject({ success: false, cause: "timeout:headers", inconclusive: false });
      else
        expect(hang).toMatchObject({
          success: false,
          cause: "monitor-overload",
          observedCause: "timeout:headers",
          inconclusive: true,
        });
      expect(hang.durationMs).toBeGreaterThanOrEqual(timeoutMs - 1);
      expect(hang.durationMs).toBeLessThan(timeoutMs + LOADED_MACHINE_MARGIN_MS);
    },
  );
});
