/**
 * Lambda packages: each handler bundled exactly the way `sst deploy` does (SST v2's own esbuild and the
 * options of its node handler, `sst/runtime/handlers/node.js`, deploy mode, with the project's
 * `nodejs` props from stacks/bundling.ts: ESM, target esnext, keepNames, `module` before `main`, the
 * `require`/`__dirname` banner, minified, source maps written beside, chunks split at `import()`; the AWS
 * SDK v3 bundled and tree-shaken; only sharp and pg-native external). Per handler: the esbuild metafile
 * (bench/out/bundles/<name>/meta.json), the bytes a cold start reads (entry chunk + the chunks it imports
 * statically, transitively) vs every chunk, raw and gzip, the top 15 packages by bytes, and cold module
 * load time: a fresh `node` process importing the entry, median of 20, beside a bare `node -e` start.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type * as Esbuild from "esbuild";
import type { NodeJSProps } from "sst/constructs";
import { NODEJS_BUNDLING } from "../stacks/bundling.js";
import { type BenchResult, log, median, OUT_DIR, quantile, ROOT, type Row, round, runChild } from "./lib.js";

type Metafile = Esbuild.Metafile;

const HANDLERS = {
  probe: "packages/functions/src/probe.ts",
  report: "packages/functions/src/report.ts",
  viewer: "packages/functions/src/viewer.ts",
} as const;
/** `BENCH_LOADS=0` for sizes only (quick iterations); the figures are medians of 20. */
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const MAX_BYTES = 1024 * 1024;
const TOP = 15;

/** SST's own esbuild (sst pins its version; the project's esbuild may differ). */
const sstRequire = createRequire(join(ROOT, "node_modules/sst/runtime/handlers/node.js"));
const esbuild = sstRequire("esbuild") as typeof Esbuild;

/** The options SST v2's node handler passes to esbuild in deploy mode (format esm), for these `nodejs` props. */
function sstOptions(entry: string, outfile: string): Esbuild.BuildOptions {
  const nodejs: NodeJSProps = NODEJS_BUNDLING;
  if ((nodejs.format ?? "esm") !== "esm") throw new Error("bench/bundle.ts mirrors SST's ESM build only");
  const { external, ...override } = nodejs.esbuild ?? {};
  return {
    entryPoints: [join(ROOT, entry)],
    platform: "node",
    external: ["sharp", "pg-native", ...(nodejs.install ?? []), ...(external ?? [])],
    keepNames: true,
    bundle: true,
    logLevel: "silent",
    splitting: nodejs.splitting,
    metafile: true,
    outExtension: nodejs.splitting ? { ".js": ".mjs" } : undefined,
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    banner: {
      js: [
        "import { createRequire as topLevelCreateRequire } from 'module';",
        "const require = topLevelCreateRequire(import.meta.url);",
        'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
        'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
        nodejs.banner ?? "",
      ].join("\n"),
    },
    outfile: !nodejs.splitting ? outfile : undefined,
    outdir: nodejs.splitting ? dirname(outfile) : undefined,
    sourcemap: nodejs.sourcemap !== false,
    minify: nodejs.minify,
    ...override,
  };
}

/** The entry output and the outputs it imports statically (what a cold start reads), and every JS output. */
function outputsOf(meta: Metafile, source: string): { entry: string; eager: string[]; all: string[] } {
  const outputs = meta.outputs;
  const all = Object.keys(outputs).filter((o) => !o.endsWith(".map"));
  // with splitting, every `import()` target is an entry point too: the handler's is the one of its source
  const entry = all.find((o) => outputs[o]!.entryPoint === source);
  if (!entry) throw new Error("no entry output in the metafile");
  const eager = new Set<string>();
  const visit = (o: string) => {
    if (eager.has(o)) return;
    eager.add(o);
    for (const i of outputs[o]!.imports) {
      if (!i.external && i.kind === "import-statement" && outputs[i.path]) visit(i.path);
    }
  };
  visit(entry);
  return { entry, eager: [...eager], all };
}

/** Bytes in the given outputs by package (node_modules package, or packages/<name>), biggest first. */
function composition(
  meta: Metafile,
  outs: string[],
): { top: Record<string, number>; duplicated: Record<string, string[]> } {
  const by: Record<string, number> = {};
  const copies: Record<string, Set<string>> = {};
  for (const out of outs) {
    for (const [path, { bytesInOutput }] of Object.entries(meta.outputs[out]?.inputs ?? {})) {
      const m = /^(.*node_modules)\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const key = m ? m[2]! : path.startsWith("packages/") ? path.split("/").slice(0, 2).join("/") : path;
      by[key] = (by[key] ?? 0) + bytesInOutput;
      if (m && bytesInOutput > 0) {
        copies[key] ??= new Set();
        copies[key].add(m[1]!);
      }
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
      .slice(0, TOP),
  );
  return { top, duplicated };
}

const sizes = (files: string[]) =>
  files.reduce(
    (acc, f) => {
      const buf = readFileSync(join(ROOT, f));
      return { bytes: acc.bytes + buf.length, gzip: acc.gzip + gzipSync(buf, { level: 9 }).length };
    },
    { bytes: 0, gzip: 0 },
  );

const kib = (b: number) => round(b / 1024, 1);

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

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where one cold import's CPU goes, from V8's sampling profile of a whole process (start, import, exit), by
 * the frame each sample was in: V8 compiling module source text (grows with the bytes read), Node loading
 * its own built-ins (node:http, node:tls, ...), the bundle's code running at import (module bodies: schemas,
 * clients), garbage collection, and the rest (Node starting, the loader, file reads). Milliseconds.
 */
export function importCpuBreakdown(profile: CpuProfile, bundleDir: string): Record<string, number> {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out: Record<string, number> = { compile: 0, "node built-ins": 0, "bundle code": 0, gc: 0, rest: 0 };
  profile.samples.forEach((id, i) => {
    const f = frames.get(id);
    const key =
      f?.functionName === "compileSourceTextModule"
        ? "compile"
        : f?.functionName === "compileForInternalLoader"
          ? "node built-ins"
          : f?.functionName === "(garbage collector)"
            ? "gc"
            : f?.url.includes(bundleDir)
              ? "bundle code"
              : "rest";
    out[key]! += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  for (const k of Object.keys(out)) out[k] = round(out[k]!, 1);
  return out;
}

/** One profiled cold import of `file` (sampling every 100 µs), summarised by `importCpuBreakdown`. */
async function profileImport(file: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "sla-cpuprof-"));
  try {
    await runChild(
      process.execPath,
      [
        "--cpu-prof",
        "--cpu-prof-dir",
        dir,
        "--cpu-prof-interval",
        "100",
        "--input-type=module",
        "-e",
        LOAD_JS,
        pathToFileURL(file).href,
      ],
      { env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "" }, timeoutMs: 30_000 },
    );
    const [name] = readdirSync(dir);
    const profile = JSON.parse(readFileSync(join(dir, name!), "utf8")) as CpuProfile;
    return importCpuBreakdown(profile, pathToFileURL(dirname(file)).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchBundle(): Promise<BenchResult> {
  const dir = join(OUT_DIR, "bundles");
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {
    esbuild: esbuild.version,
    options: `SST v2 node handler, deploy mode, nodejs ${JSON.stringify(NODEJS_BUNDLING)}`,
  };
  const baseline: { importMs: number; processMs: number }[] = [];
  const loads: Record<string, { importMs: number; processMs: number }[]> = {};
  const files: Record<string, string> = {};
  const lines: string[] = [];
  for (const [name, entry] of Object.entries(HANDLERS)) {
    const out = join(dir, name);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const meta = (
      await esbuild.build({
        ...sstOptions(entry, join(out, `${basename(entry, ".ts")}.mjs`)),
        absWorkingDir: ROOT,
      })
    ).metafile!;
    writeFileSync(join(out, "meta.json"), JSON.stringify(meta));
    const { entry: entryOut, eager, all } = outputsOf(meta, entry);
    files[name] = join(ROOT, entryOut);
    const cold = sizes(eager);
    const total = sizes(all);
    const { top, duplicated } = composition(meta, eager);
    const lazy = composition(
      meta,
      all.filter((o) => !eager.includes(o)),
    ).top;
    details[name] = {
      entry: entryOut,
      metafile: join(out, "meta.json"),
      coldBytes: cold.bytes,
      coldGzipBytes: cold.gzip,
      coldChunks: eager.length,
      totalBytes: total.bytes,
      totalGzipBytes: total.gzip,
      chunks: all.length,
      topPackages: top,
      lazyTopPackages: lazy,
      duplicatedPackages: duplicated,
    };
    const dups = Object.keys(duplicated);
    if (dups.length > 0) {
      notes.push(`${name}: packages bundled twice (two node_modules copies): ${dups.join(", ")}`);
    }
    log(
      `bundle: ${name}: cold start reads ${cold.bytes} B (${cold.gzip} B gzip) in ${eager.length} chunk(s); all ${all.length} chunk(s) ${total.bytes} B (${total.gzip} B gzip)`,
    );
    lines.push(
      `${name}: top ${TOP} packages read at cold start (KiB): ${Object.entries(top)
        .map(([k, v]) => `${k} ${kib(v)}`)
        .join(", ")}`,
    );
    if (Object.keys(lazy).length > 0) {
      lines.push(
        `${name}: in lazy chunks (KiB): ${Object.entries(lazy)
          .slice(0, 6)
          .map(([k, v]) => `${k} ${kib(v)}`)
          .join(", ")}`,
      );
    }
    rows.push({
      bench: "bundle",
      metric: `${name} bundle read at cold start (gzip ${kib(cold.gzip)} KiB; all chunks ${kib(total.bytes)} KiB, gzip ${kib(total.gzip)} KiB)`,
      measured: kib(cold.bytes),
      unit: "KiB",
      target: MAX_BYTES / 1024,
    });
    loads[name] = [];
  }
  for (const l of lines) log(l);
  notes.push(...lines);
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
    if (LOADS > 0) {
      const cpu = await profileImport(files[name]!);
      (details[name] as Record<string, unknown>).importCpuMs = cpu;
      const line = `${name}: CPU of one profiled cold process (ms): ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`;
      log(`bundle: ${line}`);
      notes.push(line);
    }
    rows.push({
      bench: "bundle",
      metric: `${name} cold import, median of ${LOADS}, vs bare \`node\` start (process ${round(processMs, 0)} ms)`,
      measured: round(importMs, 1),
      unit: "ms",
      target: round(baseProcess, 1),
    });
  }
  return { name: "bundle", rows, details, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchBundle();
  console.log(JSON.stringify(r, null, 2));
}
