/**
 * Shared bench helpers: statistics, result rows, table printing, child processes that are always stopped.
 * Every bench returns `BenchResult`: summary rows (measured value vs target) plus free-form details for
 * `bench/out/results.json`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(BENCH_DIR, "..");
export const OUT_DIR = join(BENCH_DIR, "out");
export const RESULTS_FILE = join(OUT_DIR, "results.json");

export function ensureOutDir(): string {
  mkdirSync(OUT_DIR, { recursive: true });
  return OUT_DIR;
}

/** One line of the summary table. `better: "lower"` means measured <= target meets the target. */
export interface Row {
  bench: string;
  metric: string;
  measured: number | null;
  unit: string;
  /** null: informational row without a target */
  target: number | null;
  better?: "lower" | "higher";
  /** free text shown after the row (why missed, what it means) */
  note?: string;
}

export interface BenchResult {
  name: string;
  rows: Row[];
  details: Record<string, unknown>;
  notes: string[];
}

export const log = (msg: string) => console.log(`[bench] ${msg}`);

// ---------------------------------------------------------------------------------------------------
// statistics

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
export const median = (v: readonly number[]) => quantile(v, 0.5);
export const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU ms of this process (user + system) since `prev` (`process.cpuUsage()` value). */
export const cpuMsSince = (prev: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(prev);
  return (d.user + d.system) / 1000;
};

// ---------------------------------------------------------------------------------------------------
// table

export function ratioOf(r: Row): number | null {
  if (r.measured === null || r.target === null || r.target === 0) return null;
  return r.measured / r.target;
}

export function verdict(r: Row): "met" | "missed" | "n/a" | "—" {
  if (r.target === null) return "—";
  if (r.measured === null || Number.isNaN(r.measured)) return "n/a";
  return (r.better ?? "lower") === "lower"
    ? r.measured <= r.target
      ? "met"
      : "missed"
    : r.measured >= r.target
      ? "met"
      : "missed";
}

const fmtNum = (x: number | null) => {
  if (x === null || Number.isNaN(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
};

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export function summaryTable(rows: Row[]): string {
  return formatTable(
    ["bench", "metric", "measured", "target", "ratio", "verdict"],
    rows.map((r) => {
      const ratio = ratioOf(r);
      const op = (r.better ?? "lower") === "lower" ? "<=" : ">=";
      return [
        r.bench,
        r.metric,
        `${fmtNum(r.measured)} ${r.unit}`.trim(),
        r.target === null ? "—" : `${op} ${fmtNum(r.target)} ${r.unit}`.trim(),
        ratio === null ? "—" : `${ratio.toFixed(2)}x`,
        verdict(r),
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// child processes, always stopped

const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void> | void>();

/** Registers a cleanup run on SIGINT/SIGTERM (and by `runCleanups`); returns an unregister function. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch {
      // best effort
    }
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

let signalsHooked = false;
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      void runCleanups().finally(() => process.exit(130));
    });
  }
  process.once("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** first stdout line (e.g. a port), when `waitLine` was set */
  firstLine: string;
  stop(): Promise<void>;
}

/** Spawns a process tracked for cleanup; optionally waits for its first stdout line. */
export async function startChild(
  cmd: string,
  args: string[],
  opts: { waitLine?: boolean; timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Child> {
  hookSignals();
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = once(proc, "exit").catch(() => {});
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    }
    children.delete(proc);
  };
  let firstLine = "";
  if (opts.waitLine) {
    const rl = createInterface({ input: proc.stdout! });
    try {
      firstLine = await new Promise<string>((res, rej) => {
        const t = setTimeout(
          () => rej(new Error(`${cmd} printed nothing within ${opts.timeoutMs ?? 10_000} ms: ${stderr}`)),
          opts.timeoutMs ?? 10_000,
        );
        rl.once("line", (l) => {
          clearTimeout(t);
          res(l);
        });
        proc.once("exit", (code) => {
          clearTimeout(t);
          rej(new Error(`${cmd} exited with ${code} before it was ready: ${stderr}`));
        });
      });
    } catch (e) {
      await stop();
      throw e;
    }
    rl.on("line", () => {}); // keep draining
  } else {
    proc.stdout?.resume();
  }
  return { proc, pid: proc.pid!, firstLine, stop };
}

/** Runs a process to completion; returns stdout (rejects with stderr on a non-zero exit). */
export async function runChild(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  hookSignals();
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const t = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
  const [code] = (await once(proc, "exit")) as [number | null];
  clearTimeout(t);
  children.delete(proc);
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${code}: ${err.trim()}`);
  return out;
}

/** `node --import tsx <file> ...args` (TypeScript children run from source like everything else). */
export const tsxArgs = (file: string, args: string[] = []) => ["--import", "tsx", file, ...args];

/** utime + stime of a process in ms, from /proc/<pid>/stat (Linux; clock ticks of 10 ms). */
export async function procCpuMs(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // the command name (field 2) may contain spaces: split after the closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}
const CLK_TCK = 100;
