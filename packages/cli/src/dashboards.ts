/**
 * `sla dashboards --out DIR`: the Grafana dashboards of the config (an overview and one per SLO) and the
 * provisioning file that loads them, written to a folder. Generation is pure (dashboards/generate.ts); this
 * file reads the config and writes the files, each through the CLI's scrubber (nothing from the config's
 * Prometheus settings or targets' credentials is used, and none can leave through these files).
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { configSecretValues, loadConfig } from "@sla-monitor/core";
import { FOLDER, generateDashboards, PROVISIONING_FILE, TAG } from "./dashboards/generate.js";
import { EXIT, ExitError } from "./exit.js";
import { scrubber } from "./output.js";

export interface DashboardsOptions {
  config: string;
  stage?: string;
  out: string;
  grafanaPath?: string;
}

/** A dashboard an earlier run wrote (our tag, our file name) that this run does not write again. */
async function isStale(dir: string, file: string, written: ReadonlySet<string>): Promise<boolean> {
  if (written.has(file) || !/^sla-.*\.json$/.test(file)) return false;
  try {
    const doc = JSON.parse(await readFile(join(dir, file), "utf8")) as { tags?: unknown };
    return Array.isArray(doc.tags) && doc.tags.includes(TAG);
  } catch {
    return false;
  }
}

export async function dashboardsCommand(o: DashboardsOptions): Promise<void> {
  const config = await loadConfig(o.config, {
    ...(o.stage ? { stage: o.stage } : {}),
    warn: (m) => console.error(m),
  });
  scrubber.add(...configSecretValues(config, process.env));
  const out = resolve(o.out);
  const generated = generateDashboards(config, { path: o.grafanaPath ?? out });
  const files = [
    ...generated.dashboards.map((d) => ({
      file: d.file,
      text: `${JSON.stringify(scrubber.scrubDeep(d.dashboard), null, 2)}\n`,
    })),
    { file: PROVISIONING_FILE, text: scrubber.scrub(generated.provisioning) },
  ];
  const written = new Set(files.map((f) => f.file));
  try {
    await mkdir(out, { recursive: true });
    for (const f of files) await writeFile(join(out, f.file), f.text);
    for (const file of await readdir(out)) {
      if (await isStale(out, file, written)) {
        await rm(join(out, file));
        console.log(`removed ${join(out, file)} (its SLO is no longer in the config)`);
      }
    }
  } catch (e) {
    throw new ExitError(
      `cannot write the dashboards to ${out}: ${e instanceof Error ? e.message : String(e)}`,
      EXIT.failed,
    );
  }
  console.log(
    `${out}: ${generated.dashboards.length} dashboards (overview and ${generated.dashboards.length - 1} SLOs) and ${PROVISIONING_FILE} (folder "${FOLDER}", path ${o.grafanaPath ?? out})`,
  );
}
