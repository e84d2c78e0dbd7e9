/**
 * The share of one CPU this process may use: what the probe run paces its starts by (run.ts, `cpuShare`).
 * A Node event loop does its work (TLS included) on one thread, so the answer is at most 1.
 *
 * - On Lambda: the function's memory, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` / 1769 MB (one vCPU per 1769 MB).
 * - In a container or a cgroup with a CPU quota (Kubernetes limits, systemd CPUQuota, `docker --cpus`): the
 *   quota of the process's cgroup or of any ancestor, whichever is the smallest: cgroup v2 `cpu.max`
 *   ("max 100000" or "50000 100000"), cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 = none).
 * - Otherwise 1.
 */
import { readFileSync } from "node:fs";

/** Lambda gives a function one vCPU per this many MB of memory, and that share of one vCPU below it. */
export const ONE_VCPU_MB = 1769;
/** Never pace as if the process had less than this (a misread quota must not stop a run from starting). */
const MIN_SHARE = 0.05;

const clamp = (x: number) => Math.min(1, Math.max(MIN_SHARE, x));

/** Share from a cgroup v2 `cpu.max` line; undefined for "max" (no quota) or anything unreadable. */
export function shareFromCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
}

/** Share from cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; undefined for -1 (no quota). */
export function shareFromCfs(quotaText: string, periodText: string): number | undefined {
  const q = Number(quotaText.trim());
  const p = Number(periodText.trim());
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
}

/** The cgroup paths of this process: the v2 one ("0::/a/b") and the v1 cpu controller's ("4:cpu,cpuacct:/a"). */
export function cgroupPaths(procSelfCgroup: string): { v2?: string; v1cpu?: string } {
  const out: { v2?: string; v1cpu?: string } = {};
  for (const line of procSelfCgroup.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === "0" && m[2] === "") out.v2 = m[3]!;
    else if (m[2]!.split(",").includes("cpu")) out.v1cpu = m[3]!;
  }
  return out;
}

/** `path` and its ancestors, deepest first: "/a/b" -> ["/a/b", "/a", "/"]. */
export function selfAndAncestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return Array.from({ length: parts.length + 1 }, (_, i) => `/${parts.slice(0, parts.length - i).join("/")}`);
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

function cgroupShare(): number | undefined {
  const self = read("/proc/self/cgroup");
  if (!self) return undefined;
  const { v2, v1cpu } = cgroupPaths(self);
  const shares: number[] = [];
  if (v1cpu !== undefined) {
    // the cpu controller is mounted as cpu, or cpu,cpuacct (a symlink to it on most distributions)
    for (const root of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]) {
      for (const dir of selfAndAncestors(v1cpu)) {
        const quota = read(`${root}${dir === "/" ? "" : dir}/cpu.cfs_quota_us`);
        const period = read(`${root}${dir === "/" ? "" : dir}/cpu.cfs_period_us`);
        const s = quota !== undefined && period !== undefined ? shareFromCfs(quota, period) : undefined;
        if (s !== undefined) shares.push(s);
      }
      if (shares.length > 0) break;
    }
  }
  if (v2 !== undefined) {
    for (const dir of selfAndAncestors(v2)) {
      const max = read(`/sys/fs/cgroup${dir === "/" ? "" : dir}/cpu.max`);
      const s = max !== undefined ? shareFromCpuMax(max) : undefined;
      if (s !== undefined) shares.push(s);
    }
  }
  return shares.length > 0 ? Math.min(...shares) : undefined;
}

/** The CPU share of this process (see the module comment), between 0.05 and 1. */
export function processCpuShare(env: NodeJS.ProcessEnv = process.env): number {
  const lambdaMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const fromLambda = Number.isFinite(lambdaMb) && lambdaMb > 0 ? lambdaMb / ONE_VCPU_MB : undefined;
  const fromCgroup = cgroupShare();
  return clamp(Math.min(fromLambda ?? 1, fromCgroup ?? 1));
}
