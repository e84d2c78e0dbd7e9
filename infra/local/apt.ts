/**
 * Debian packages the demo, the tests and the benchmarks need (prometheus, chromium,
 * prometheus-blackbox-exporter), installed when missing. A package's service is never started:
 * `policy-rc.d` answers 101 during the install (Debian maintainer scripts honour it), and a service that
 * started anyway is stopped.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The path of `cmd` on PATH (or the usual system folders), or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"])) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** apt-get cannot run here (not Linux, no apt-get, not root); the message says which. */
export class AptUnavailableError extends Error {}

export async function aptInstall(pkg: string, opts: { log?: (m: string) => void; service?: string } = {}) {
  const apt = which("apt-get");
  const isRoot = process.getuid?.() === 0;
  if (process.platform !== "linux" || !apt || !isRoot) {
    throw new AptUnavailableError(
      `cannot install the Debian package ${pkg} here (${process.platform}${apt ? "" : ", no apt-get"}${isRoot ? "" : ", not root"})`,
    );
  }
  opts.log?.(`installing the Debian package ${pkg}...`);
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) await writeFile(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=120", pkg];
  try {
    try {
      await run(apt, args, { env, maxBuffer: 64 << 20 });
    } catch {
      opts.log?.("apt-get install failed; refreshing package lists and retrying...");
      await run(apt, ["update", "-q"], { env, maxBuffer: 64 << 20 });
      await run(apt, args, { env, maxBuffer: 64 << 20 });
    }
  } finally {
    if (ownPolicy) await rm(policy, { force: true });
    if (opts.service)
      await run("sh", ["-c", `service ${opts.service} stop >/dev/null 2>&1 || true`]).catch(() => {});
  }
}
