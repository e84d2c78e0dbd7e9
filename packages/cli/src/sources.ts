/**
 * `sla import openslo|sloth FILE…` and `sla validate [FILE…]`: Sloth and OpenSLO files are read as they
 * are (detected by `apiVersion` / `version`), mapped by the core importers, and the resulting config is
 * validated like any sla.config.yaml. Warnings (fields not mapped) go to stderr, each with its path; any
 * refused field is an error (exit 2) and nothing is written.
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import {
  ConfigError,
  type ConfigIssue,
  checkRawQueries,
  configSecretValues,
  createRuntime,
  formatImportIssue,
  type ImportResult,
  importOpenSlo,
  importSloth,
  loadConfig,
  parseSourceDocuments,
  renderImportedConfig,
  type SlaConfig,
  type SourceDocument,
  type SourceKind,
  sourceKindOf,
  validateConfig,
} from "@sla-monitor/core";
import { EXIT, ExitError } from "./exit.js";
import { scrubber } from "./output.js";

const SPEC_NAME: Record<SourceKind, string> = { openslo: "OpenSLO v1", sloth: "Sloth" };
const IMPORTERS: Record<SourceKind, (docs: readonly SourceDocument[]) => ImportResult> = {
  openslo: importOpenSlo,
  sloth: importSloth,
};

async function readText(file: string): Promise<string> {
  try {
    if ((await stat(file)).size > 4 * 1024 * 1024)
      throw new ExitError(`${file}: larger than 4 MiB`, EXIT.usage);
    return await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof ExitError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExitError(
      `${file}: cannot read the file: ${code === "ENOENT" ? "file not found" : (code ?? "error")}`,
      EXIT.usage,
    );
  }
}

/** The documents of `files`, with syntax errors; the spec each file is written in (undefined: an sla config). */
async function readSources(files: readonly string[]) {
  const out: { file: string; kind: SourceKind | undefined; documents: SourceDocument[]; errors: string[] }[] =
    [];
  for (const file of files) {
    const parsed = parseSourceDocuments(await readText(file), file);
    const kinds = new Set(parsed.documents.map((d) => sourceKindOf(d.value)));
    const kind = kinds.has("openslo") ? "openslo" : kinds.has("sloth") ? "sloth" : undefined;
    out.push({ file, kind, documents: parsed.documents, errors: parsed.errors.map(formatImportIssue) });
  }
  return out;
}

/** Imports the files as `kind`, prints the warnings, throws on errors; returns the config, validated. */
async function importAll(kind: SourceKind, sources: Awaited<ReturnType<typeof readSources>>, label: string) {
  const syntax = sources.flatMap((s) => s.errors);
  if (syntax.length > 0) throw new ExitError(syntax.join("\n"), EXIT.usage);
  const result = IMPORTERS[kind](sources.flatMap((s) => s.documents));
  for (const w of result.warnings) console.error(`warning: ${formatImportIssue(w)}`);
  if (result.errors.length > 0) {
    const n = result.errors.length;
    throw new ExitError(
      [
        `${label}: ${n} field${n === 1 ? "" : "s"} cannot be imported`,
        ...result.errors.map((e) => `  ${formatImportIssue(e)}`),
      ].join("\n"),
      EXIT.usage,
    );
  }
  const config = await validateConfig(result.config, { source: `${label} (as sla.config.yaml)` });
  return { result, config };
}

export async function importCommand(
  kind: SourceKind,
  files: string[],
  o: { out?: string; force?: boolean },
): Promise<void> {
  const sources = await readSources(files);
  for (const s of sources) {
    if (s.kind !== undefined && s.kind !== kind) {
      throw new ExitError(
        `${s.file}: this is a ${SPEC_NAME[s.kind]} file; use sla import ${s.kind}`,
        EXIT.usage,
      );
    }
  }
  const { result, config } = await importAll(kind, sources, files.join(", "));
  const header = [
    `Imported from ${SPEC_NAME[kind]}: ${files.join(", ")} (sla import ${kind}).`,
    ...(result.warnings.length > 0
      ? [
          `${result.warnings.length} source field(s) not mapped:`,
          ...result.warnings.map((w) => `  ${formatImportIssue(w)}`),
        ]
      : ["Every source field was mapped."]),
  ];
  const yaml = renderImportedConfig(result.config, header);
  if (o.out) {
    try {
      await writeFile(o.out, yaml, { flag: o.force ? "w" : "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ExitError(`${o.out} exists; pass --force to replace it`, EXIT.usage);
      }
      throw e;
    }
    console.error(
      `${o.out}: ${config.slos.length} SLOs from ${SPEC_NAME[kind]}, ${result.warnings.length} field(s) not mapped (listed above and in the file's header)`,
    );
  } else {
    process.stdout.write(yaml);
  }
}

export async function validateCommand(
  files: string[],
  o: { config: string; stage?: string; prometheus?: string },
): Promise<void> {
  const list = files.length > 0 ? files : [o.config];
  const sources = await readSources(list);
  const configs: { label: string; config: SlaConfig }[] = [];
  for (const kind of ["openslo", "sloth"] as const) {
    const group = sources.filter((s) => s.kind === kind);
    if (group.length === 0) continue;
    const label = group.map((s) => s.file).join(", ");
    const { result, config } = await importAll(kind, group, label);
    configs.push({ label, config });
    console.log(
      `${label}: valid ${SPEC_NAME[kind]} (${config.slos.length} SLOs as sla.config.yaml, ${result.warnings.length} field(s) not mapped)`,
    );
  }
  for (const s of sources.filter((x) => x.kind === undefined)) {
    const c = await loadConfig(s.file, {
      ...(o.stage ? { stage: o.stage } : {}),
      warn: (m) => console.error(m),
    });
    scrubber.add(...configSecretValues(c, process.env));
    configs.push({ label: s.file, config: c });
    console.log(
      `${s.file}: valid (${c.targets.length} targets, ${c.slos.length} SLOs, time zone ${c.calendar.timeZone}${o.stage ? `, stage ${o.stage}` : ""})`,
    );
  }
  if (o.prometheus === undefined) return;
  for (const { label, config } of configs) {
    const rt = await createRuntime(config, { scrubber, prometheusUrl: o.prometheus });
    let issues: ConfigIssue[];
    try {
      issues = await checkRawQueries(config, rt.prometheus);
    } catch (e) {
      throw new ExitError(
        `Prometheus at ${rt.sourceLabel} did not answer: ${e instanceof Error ? e.message : String(e)}`,
        EXIT.unavailable,
      );
    }
    if (issues.length > 0) throw new ConfigError(label, issues);
    console.log(`${label}: Prometheus at ${rt.sourceLabel} parsed every raw PromQL expression`);
  }
}
