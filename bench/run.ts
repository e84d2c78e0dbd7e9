/**
 * `npm run bench`: probe overhead, CPU per HTTPS probe (what sizing uses), sized shards under
 * their CPU share, deadline precision, report scale,
 * Lambda packages, cost model, in that order; prints one summary table (measured, target, ratio measured/target, met/missed) and writes
 * bench/out/results.json (and bench/out/cost.md). Every server and process a bench starts is stopped by it
 * (and by the SIGINT/SIGTERM handler in lib.ts if the run is interrupted).
 *
 * Options: --only probe,https,sizing,deadline,report,bundle,cost   --quick (fewer probe rounds; report: 1 and 20 SLOs only)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchBundle } from "./bundle.js";
import { benchCost, inputsFromResults } from "./cost.js";
import { benchDeadline } from "./deadline.js";
import { benchHttpsCpu } from "./https-cpu.js";
import {
  type BenchResult,
  ensureOutDir,
  log,
  RESULTS_FILE,
  type Row,
  ratioOf,
  runCleanups,
  summaryTable,
  verdict,
} from "./lib.js";
import { benchSizing } from "./overload.js";
import { benchProbe } from "./probe.js";
import { benchReport } from "./report.js";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = arg("--only")?.split(",");
const quick = process.argv.includes("--quick");
const want = (name: string) => !only || only.includes(name);

const started = new Date();
const t0 = performance.now();
const benches: BenchResult[] = [];
/** with --only, the other benches' results are kept from the previous results file (and feed the cost model) */
const previous: BenchResult[] =
  only && existsSync(RESULTS_FILE)
    ? ((JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as { benches?: BenchResult[] }).benches ?? [])
    : [];
const merged = () => [...previous.filter((p) => !benches.some((b) => b.name === p.name)), ...benches];
const errors: { bench: string; error: string }[] = [];

async function step(name: string, fn: () => Promise<BenchResult> | BenchResult): Promise<void> {
  if (!want(name)) return;
  const t = performance.now();
  log(`=== ${name} ===`);
  try {
    const r = await fn();
    r.details.benchSeconds = Math.round((performance.now() - t) / 100) / 10;
    benches.push(r);
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    errors.push({ bench: name, error });
    log(`${name} FAILED: ${error}`);
  }
  log(`${name} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

try {
  await step("probe", () => benchProbe(quick ? { rounds: 2, n1: 500, n50: 1500 } : {}));
  await step("https", () => benchHttpsCpu(quick ? { rounds: 1, n1: 100, captureN: 100 } : {}));
  await step("sizing", () => benchSizing({ quick }));
  await step("deadline", () => benchDeadline());
  await step("report", () => benchReport({ quick }));
  await step("bundle", () => benchBundle());
  await step("cost", () =>
    benchCost(inputsFromResults({ benches: merged() }, `npm run bench, ${started.toISOString()}`)),
  );
} finally {
  await runCleanups();
}

const rows: Row[] = benches.flatMap((b) => b.rows);
const table = summaryTable(rows);
const notes = benches.flatMap((b) => b.notes.map((n) => `- ${b.name}: ${n}`));
const rowNotes = rows.filter((r) => r.note).map((r) => `- ${r.bench} / ${r.metric}: ${r.note}`);
console.log("");
console.log(
  `sla-monitor bench, ${started.toISOString()}, Node ${process.version}, ${cpus().length} cores, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);
console.log(
  'ratio = measured / target; ratios inside a metric ("x") are measured in this run, median of paired rounds',
);
console.log(table);
if (rowNotes.length > 0) console.log(`\n${rowNotes.join("\n")}`);
if (notes.length > 0) console.log(`\nNotes:\n${notes.join("\n")}`);
const cost = benches.find((b) => b.name === "cost") as (BenchResult & { markdown?: string }) | undefined;
if (cost?.markdown) console.log(`\n${cost.markdown}`);
for (const e of errors) console.log(`\nFAILED ${e.bench}: ${e.error.split("\n")[0]}`);

ensureOutDir();
writeFileSync(
  RESULTS_FILE,
  `${JSON.stringify(
    {
      startedAt: started.toISOString(),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      node: process.version,
      cores: cpus().length,
      loadAverage: loadavg(),
      summary: merged()
        .flatMap((b) => b.rows)
        .map((r) => ({ ...r, ratio: ratioOf(r), verdict: verdict(r) })),
      benches: merged().map((b) => ({ ...b, markdown: undefined })),
      errors,
    },
    null,
    2,
  )}\n`,
);
log(`results written to ${RESULTS_FILE} (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
process.exitCode = errors.length > 0 ? 1 : 0;
