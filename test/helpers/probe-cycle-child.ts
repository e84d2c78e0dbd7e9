/**
 * One probe cycle in a process of its own, for tests that hold the monitor to a CPU quota
 * (test/probe/cpu-quota.test.ts):
 *
 *   node --import tsx test/helpers/probe-cycle-child.ts <config.json> <state dir> [<shard.json>]
 *
 * Loads everything first and prints `ready`, then waits for one line on stdin (the parent puts the process
 * into its cgroup in between, so loading is not what the quota measures), runs `runProbeCycle` on the config
 * (only the target names listed in <shard.json>, when given: one shard, as the probe Lambda gets it) with a
 * local object store in <state dir> and a notifier that only records, and prints one JSON line:
 * `ChildCycleOutput`. Trusted roots come from NODE_EXTRA_CA_CERTS, as for any Node process.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseConfig } from "../../packages/core/src/config/index.js";
import { runProbeCycle } from "../../packages/core/src/probe/cycle.js";
import type { FailureCause, OverloadSummary } from "../../packages/core/src/probe/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { CountingNotifier } from "./notifiers.js";

export interface ChildCycleOutput {
  results: {
    target: string;
    success: boolean;
    cause: FailureCause | null;
    observedCause?: FailureCause;
    inconclusive: boolean;
    durationMs: number;
    monitorStallMs?: number;
    trusted?: boolean;
    earliestExpiry?: string;
    leafExpiry?: string;
  }[];
  overload: OverloadSummary;
  events: { target: string; type: string }[];
  /** the process's CPU over the cycle, ms */
  cpuMs: number;
  wallMs: number;
}

const [configFile, stateDir, shardFile] = process.argv.slice(2);
if (!configFile || !stateDir) {
  console.error("usage: probe-cycle-child.ts <config.json> <state dir>");
  process.exit(2);
}
const config = await parseConfig(readFileSync(configFile, "utf8"), { format: "json", source: configFile });
const store = new LocalObjectStore({ dir: stateDir });
const notifier = new CountingNotifier();
const shard = shardFile ? (JSON.parse(readFileSync(shardFile, "utf8")) as string[]) : undefined;

console.log("ready");
const rl = createInterface({ input: process.stdin });
await new Promise<void>((go) => rl.once("line", () => go()));
rl.close();

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await runProbeCycle({
  config,
  writer: null,
  store,
  notifier,
  ...(shard ? { targets: shard } : {}),
});
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const out: ChildCycleOutput = {
  results: r.results.map((p) => ({
    target: p.target,
    success: p.success,
    cause: p.cause,
    ...(p.observedCause ? { observedCause: p.observedCause } : {}),
    inconclusive: p.inconclusive === true,
    durationMs: p.durationMs,
    ...(p.monitorStallMs !== undefined ? { monitorStallMs: p.monitorStallMs } : {}),
    ...(p.tls
      ? { trusted: p.tls.trusted, earliestExpiry: p.tls.earliestExpiry, leafExpiry: p.tls.leafExpiry }
      : {}),
  })),
  overload: r.overload,
  events: r.events.map((e) => ({ target: e.target, type: e.type })),
  cpuMs: (cpu.user + cpu.system) / 1000,
  wallMs,
};
console.log(JSON.stringify(out));
