/**
 * Lambda packages: each handler bundled with esbuild the way the deploy does (SST v2 for nodejs22.x: ESM,
 * minified, platform node, target node22, `module` before `main`, a `require` shim banner, the AWS SDK v3
 * bundled and tree-shaken, nothing external), then size (raw and gzip) and cold module-load time: a fresh
 * `node` process importing the bundle, median of 20 (a bare `node -e` start is measured as the baseline).
 */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { type BenchResult, log, median, OUT_DIR, quantile, ROOT, type Row, round, runChild } from "./lib.js";

const HANDLERS = {
  probe: "packages/functions/src/probe.ts",
  report: "packages/functions/src/report.ts",
  viewer: "packages/functions/src/viewer.ts",
} as const;
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
const LOADS = 20;
const MAX_BYTES = 1024 * 1024;
const MAX_LOAD_MS = 150;

async function bundle(entry: string, outfile: string, external: string[]) {
  return build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    minify: true,
    treeShaking: true,
    mainFields: ["module", "main"],
    banner: { js: BANNER },
    external,
    metafile: true,
    logLevel: "silent",
  });
}

/** The biggest contributors to the bundle, by package (bytes in the output), and packages bundled twice. */
function composition(meta: Metafile): { top: Record<string, number>; duplicated: Record<string, string[]> } {
  const inputs = Object.values(meta.outputs)[0]?.inputs ?? {};
  const by: Record<string, number> = {};
  const copies: Record<string, Set<string>> = {};
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /^(.*node_modules)\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[2]! : path.startsWith("packages/") ? path.split("/").slice(0, 2).join("/") : path;
    by[key] = (by[key] ?? 0) + bytesInOutput;
    if (m && bytesInOutput > 0) {
      copies[key] ??= new Set();
      copies[key].add(m[1]!);
    }
  }
  const duplicated = Object.fromEntries(
    Object.entries(copies)
      .filter(([, dirs]) => dirs.size > 1)
      .map(([k, dirs]) => [k, [...dirs]]),
  );
  const top = Object.fromEntries(
    Object.entries(by)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8),
  );
  return { top, duplicated };
}

const LOAD_JS =
  "const t=performance.now();await import(process.argv[1]);console.log(JSON.stringify({ms:performance.now()-t}))";
const EMPTY_JS = "console.log(JSON.stringify({ms:0}))";

/** Wall of a fresh process (spawn → exit) and the import time measured inside it. */
async function loadOnce(file: string | null): Promise<{ importMs: number; processMs: number }> {
  const t0 = performance.now();
  const args = file
    ? ["--input-type=module", "-e", LOAD_JS, pathToFileURL(file).href]
    : ["--input-type=module", "-e", EMPTY_JS];
  const out = await runChild(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "" },
    timeoutMs: 30_000,
  });
  const processMs = performance.now() - t0;
  return { importMs: (JSON.parse(out.trim().split("\n").pop()!) as { ms: number }).ms, processMs };
}

export async function benchBundle(): Promise<BenchResult> {
  const dir = join(OUT_DIR, "bundles");
  mkdirSync(dir, { recursive: true });
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {
    esbuild: (await import("esbuild")).version,
    options: "platform node, target node22, format esm, bundle, minify, treeShaking, mainFields module,main",
  };
  const baseline: { importMs: number; processMs: number }[] = [];
  const loads: Record<string, { importMs: number; processMs: number }[]> = {};
  const files: Record<string, string> = {};
  for (const [name, entry] of Object.entries(HANDLERS)) {
    const outfile = join(dir, `${name}.mjs`);
    let external: string[] = [];
    let meta: Metafile;
    try {
      meta = (await bundle(entry, outfile, external)).metafile!;
    } catch (e) {
      external = ["sst"];
      const msg = (e as Error).message.split("\n").slice(0, 3).join(" ");
      notes.push(`${name}: bundling everything failed (${msg}); bundled with "sst" external`);
      meta = (await bundle(entry, outfile, external)).metafile!;
    }
    files[name] = outfile;
    const bytes = statSync(outfile).size;
    const gzip = gzipSync(readFileSync(outfile), { level: 9 }).length;
    const { top, duplicated } = composition(meta);
    // for scale: the same bundle with sst (only needed for SST Config secrets) left out
    const lean = (await bundle(entry, join(dir, `${name}.no-sst.mjs`), ["sst"])).metafile!;
    const leanBytes = statSync(join(dir, `${name}.no-sst.mjs`)).size;
    details[name] = {
      outfile,
      bytes,
      gzipBytes: gzip,
      external,
      topPackages: top,
      duplicatedPackages: duplicated,
      bytesWithSstExternal: leanBytes,
      topPackagesWithSstExternal: composition(lean).top,
    };
    const dups = Object.keys(duplicated);
    if (dups.length > 0) {
      notes.push(`${name}: packages bundled twice (two node_modules copies): ${dups.join(", ")}`);
    }
    log(`bundle: ${name}: ${bytes} B (${gzip} B gzip), external [${external.join(", ")}]`);
    rows.push({
      bench: "bundle",
      metric: `${name} bundle size (gzip ${round(gzip / 1024, 1)} KiB)`,
      measured: round(bytes / 1024, 1),
      unit: "KiB",
      target: MAX_BYTES / 1024,
    });
    loads[name] = [];
  }
  // interleave: baseline, probe, report, ... so background load hits all alike
  await loadOnce(null); // warm the file cache
  for (let i = 0; i < LOADS; i++) {
    baseline.push(await loadOnce(null));
    for (const name of Object.keys(HANDLERS)) loads[name]!.push(await loadOnce(files[name]!));
  }
  const baseProcess = median(baseline.map((b) => b.processMs));
  details.nodeStartMs = round(baseProcess, 1);
  for (const name of Object.keys(HANDLERS)) {
    const l = loads[name]!;
    const importMs = median(l.map((x) => x.importMs));
    const processMs = median(l.map((x) => x.processMs));
    Object.assign(details[name] as object, {
      importMs: {
        median: round(importMs, 1),
        p90: round(
          quantile(
            l.map((x) => x.importMs),
            0.9,
          ),
          1,
        ),
      },
      processMs: { median: round(processMs, 1), bareNodeMedian: round(baseProcess, 1) },
    });
    log(
      `bundle: ${name}: import ${round(importMs, 1)} ms (process ${round(processMs, 1)} ms, bare node ${round(baseProcess, 1)} ms)`,
    );
    rows.push({
      bench: "bundle",
      metric: `${name} cold module load (median of ${LOADS}; process ${round(processMs, 0)} ms vs bare node ${round(baseProcess, 0)} ms)`,
      measured: importMs,
      unit: "ms",
      target: MAX_LOAD_MS,
    });
  }
  return { name: "bundle", rows, details, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchBundle();
  console.log(JSON.stringify(r, null, 2));
}
