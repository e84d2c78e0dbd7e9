/**
 * VictoriaMetrics (Debian package `victoria-metrics`) beside Prometheus: the second metrics engine the
 * report engine is proven against (issue 15). Installed when missing, started on 127.0.0.1 on a free port
 * with its own temp storage, loaded with the same generated fixture the Prometheus harness backfills, and
 * stopped by PID (its storage removed).
 *
 * Defaults are kept on purpose (the response cache included: it is what rounds `query_range` start/end to the
 * step, and the engine must be immune to that); only the retention is long, so the 2026 fixture is kept.
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { aptInstall, which } from "./apt.js";
import { writeOpenMetrics } from "./fixture.js";
import { freePort, type Log } from "./prometheus.js";
import { startLocalServer } from "./server.js";

const silent: Log = () => {};

/** The victoria-metrics binary, installing the Debian package when missing. */
export async function ensureVictoriaMetrics(log: Log = silent): Promise<string> {
  const found = which("victoria-metrics");
  if (found) return found;
  await aptInstall("victoria-metrics", { log, service: "victoria-metrics" });
  const bin = which("victoria-metrics");
  if (!bin) throw new Error("the victoria-metrics package installed no victoria-metrics binary");
  return bin;
}

/** The Debian package's version (the Debian build's binary does not report one), or "unknown". */
function packageVersion(): string {
  try {
    const status = execFileSync("dpkg", ["-s", "victoria-metrics"], { encoding: "utf8" });
    return /^Version: (.+)$/m.exec(status)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export interface RunningVictoria {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** Starts VictoriaMetrics on 127.0.0.1 with a fresh temp storage; waits for /health. */
export async function startVictoriaMetrics(opts: { bin: string; log?: Log }): Promise<RunningVictoria> {
  const log = opts.log ?? silent;
  const dataDir = await mkdtemp(join(tmpdir(), "sla-vm-"));
  const port = await freePort();
  const logFile = `${dataDir}.log`;
  const { url, pid, stop } = await startLocalServer({
    name: "victoria-metrics",
    bin: opts.bin,
    args: [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      "-retentionPeriod=100y",
      "-loggerLevel=WARN",
    ],
    port,
    logFile,
    readyPath: "/health",
    cleanup: async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(logFile, { force: true });
    },
  });
  const version = packageVersion();
  log(`victoria-metrics ${version} ready on ${url} (pid ${pid})`);
  return { url, pid, version, stop };
}

/**
 * Loads the generated fixture (the same samples the Prometheus harness backfills) through VictoriaMetrics'
 * Prometheus text import: OpenMetrics lines with second timestamps become exposition lines with millisecond
 * timestamps, posted in batches; then the storage is flushed so every sample is searchable.
 */
export async function importFixture(vmUrl: string, log: Log = silent): Promise<{ samples: number }> {
  const work = await mkdtemp(join(tmpdir(), "sla-vm-fixture-"));
  try {
    const om = join(work, "fixture.om");
    await writeOpenMetrics(om, {});
    let batch: string[] = [];
    let samples = 0;
    const post = async () => {
      if (batch.length === 0) return;
      const r = await fetch(`${vmUrl}/api/v1/import/prometheus`, { method: "POST", body: batch.join("\n") });
      if (!r.ok)
        throw new Error(`victoria-metrics import: HTTP ${r.status}: ${(await r.text()).slice(0, 300)}`);
      batch = [];
    };
    for await (const line of createInterface({ input: createReadStream(om) })) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const cut = line.lastIndexOf(" ");
      const seconds = Number(line.slice(cut + 1));
      batch.push(`${line.slice(0, cut)} ${Math.round(seconds * 1000)}`);
      samples += 1;
      if (batch.length >= 100_000) await post();
    }
    await post();
    const flushed = await fetch(`${vmUrl}/internal/force_flush`);
    if (!flushed.ok) throw new Error(`victoria-metrics force_flush: HTTP ${flushed.status}`);
    log(`victoria-metrics: imported ${samples} fixture samples`);
    return { samples };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
