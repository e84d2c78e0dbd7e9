/**
 * A local Prometheus for the demo and the tests: installed when missing (Debian package), backfilled from the
 * fixture with promtool, started on 127.0.0.1 on a free port, stopped by PID.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AptUnavailableError, aptInstall, which } from "./apt.js";
import { computeTruth, type GroundTruth, writeOpenMetrics } from "./fixture.js";
import { startLocalServer } from "./server.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, "../..");

export type Log = (msg: string) => void;
const silent: Log = () => {};

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

/**
 * Finds prometheus and promtool, installing the Debian package when they are missing and apt-get can run.
 * The package's service is never started: `policy-rc.d` is honoured by Debian maintainer scripts, and any
 * service that did start is stopped.
 */
export async function ensurePrometheus(log: Log = silent): Promise<PrometheusBinaries> {
  const found = async () => {
    const prometheus = which("prometheus");
    const promtool = which("promtool");
    return prometheus && promtool ? { prometheus, promtool } : null;
  };
  const have = await found();
  if (have) return have;
  try {
    await aptInstall("prometheus", { log, service: "prometheus" });
  } catch (e) {
    if (!(e instanceof AptUnavailableError)) throw e;
    throw new Error(
      `Prometheus is not installed, and ${e.message}. Install it by hand: Debian/Ubuntu ` +
        "`sudo apt-get install --no-install-recommends prometheus`, macOS `brew install prometheus`, " +
        "or put the official release's `prometheus` and `promtool` on PATH.",
    );
  }
  const after = await found();
  if (!after) throw new Error("apt-get installed `prometheus` but prometheus/promtool are still not on PATH");
  return after;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? res(addr.port) : rej(new Error("no port"))));
    });
  });
}

export interface FixtureData {
  /** folder with the backfilled TSDB blocks (read-only cache; copy before use) */
  blocksDir: string;
  truthFile: string;
  truth: GroundTruth;
}

/** The cache key: the generator's own source, so any change to the plan rebuilds the blocks. */
function fixtureHash(): string {
  const src = readFileSync(join(here, "fixture.ts"));
  return createHash("sha256").update(src).digest("hex").slice(0, 16);
}

/** Generates the fixture (optionally shifted/cut, see writeOpenMetrics) and backfills it into `blocksDir`. */
export async function backfillFixture(opts: {
  bin: PrometheusBinaries;
  blocksDir: string;
  offsetMs?: number;
  untilMs?: number;
  log?: Log;
}): Promise<{ series: number; samples: number }> {
  const log = opts.log ?? silent;
  const work = await mkdtemp(join(tmpdir(), "sla-fixture-"));
  try {
    const om = join(work, "fixture.om");
    log("generating 35 days of metrics history with planted incidents...");
    const stats = await writeOpenMetrics(om, {
      ...(opts.offsetMs !== undefined ? { offsetMs: opts.offsetMs } : {}),
      ...(opts.untilMs !== undefined ? { untilMs: opts.untilMs } : {}),
    });
    log(`backfilling ${stats.series} series / ${stats.samples} samples with promtool...`);
    await mkdir(opts.blocksDir, { recursive: true });
    await run(
      opts.bin.promtool,
      ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=720h", om, opts.blocksDir],
      { maxBuffer: 64 << 20 },
    );
    return stats;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The test fixture backfilled into TSDB blocks, cached under `.cache/fixture/<hash>` (the generator's
 * hash), so repeated runs reuse the blocks; caches of older generator versions are removed.
 */
export async function ensureFixture(bin: PrometheusBinaries, log: Log = silent): Promise<FixtureData> {
  const hash = fixtureHash();
  const root = join(PROJECT_ROOT, ".cache", "fixture");
  const dir = join(root, hash);
  const blocksDir = join(dir, "blocks");
  const truthFile = join(dir, "truth.json");
  if (existsSync(truthFile) && existsSync(blocksDir)) {
    return { blocksDir, truthFile, truth: JSON.parse(readFileSync(truthFile, "utf8")) as GroundTruth };
  }
  await mkdir(root, { recursive: true });
  for (const old of await readdir(root)) await rm(join(root, old), { recursive: true, force: true });
  const work = await mkdtemp(join(root, "tmp-"));
  try {
    const stats = await backfillFixture({ bin, blocksDir: join(work, "blocks"), log });
    const truth = computeTruth(stats);
    await writeFile(join(work, "truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
    await rename(work, dir);
    return { blocksDir, truthFile, truth };
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

export interface RunningPrometheus {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  bin: PrometheusBinaries;
  /** TSDB blocks to start from (copied into a fresh data dir) */
  blocksDir?: string;
  /** data dir to use as is (kept after stop); default: a fresh temp dir, removed after stop */
  dataDir?: string;
  port?: number;
  log?: Log;
  readyTimeoutMs?: number;
}

/** Starts Prometheus on 127.0.0.1 with long retention and the remote-write receiver; waits for /-/ready. */
export async function startPrometheus(opts: StartOptions): Promise<RunningPrometheus> {
  const log = opts.log ?? silent;
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "sla-prom-")));
  await mkdir(dataDir, { recursive: true });
  if (opts.blocksDir) {
    for (const entry of await readdir(opts.blocksDir)) {
      if (!existsSync(join(dataDir, entry)))
        await cp(join(opts.blocksDir, entry), join(dataDir, entry), { recursive: true });
    }
  }
  const configFile = join(dataDir, "..", `${dataDir.split("/").pop()}.prometheus.yml`);
  await writeFile(
    configFile,
    "global:\n  scrape_interval: 60s\n  evaluation_interval: 60s\nscrape_configs: []\n",
  );
  const port = opts.port ?? (await freePort());
  const logFile = `${dataDir}.log`;
  const server = await startLocalServer({
    name: "prometheus",
    bin: opts.bin.prometheus,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      "--storage.tsdb.retention.time=100y",
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--log.level=warn",
    ],
    port,
    logFile,
    readyPath: "/-/ready",
    ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
    cleanup: async () => {
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      await rm(configFile, { force: true });
      if (ownDir) await rm(logFile, { force: true });
    },
  });
  const { url, pid, stop } = server;
  log(`prometheus ready on ${url} (pid ${pid})`);
  return { url, port, pid, dataDir, stop };
}
