/**
 * `sla validate --prometheus`: Prometheus itself parses every raw PromQL expression of a config. Each one
 * is filled in for a one-hour window and asked as an instant query at a fixed time in 2000 (no data there,
 * so the answer is quick and empty); a refusal (HTTP 4xx, `bad_data`) is a configuration problem named by
 * the expression's path. Any other failure (network, 5xx) is thrown: the server, not the config, is at fault.
 */
import type { ConfigIssue } from "../config/issues.js";
import type { SlaConfig } from "../config/schema.js";
import { rejectedByPrometheus } from "../report/engine.js";
import { fillWindow } from "./raw-query.js";

const CHECK_AT = new Date("2000-01-01T01:00:00Z");

/** Every raw expression of the config with its path (`slos[2].sli.bad.promql`). */
export function rawQueriesOf(config: SlaConfig): { path: string; promql: string }[] {
  const out: { path: string; promql: string }[] = [];
  config.slos.forEach((slo, i) => {
    if (slo.sli.type !== "ratio") return;
    const sli = slo.sli as Record<string, unknown>;
    for (const key of ["good", "bad", "total", "goodRatio", "badRatio"]) {
      const part = sli[key];
      if (part && typeof part === "object" && "promql" in part && typeof part.promql === "string") {
        out.push({ path: `slos[${i}].sli.${key}.promql`, promql: part.promql });
      }
    }
  });
  return out;
}

export async function checkRawQueries(
  config: SlaConfig,
  api: { instant(query: string, time?: Date): Promise<unknown> },
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const q of rawQueriesOf(config)) {
    const text = fillWindow(q.promql, 3_600_000, new Date(CHECK_AT.getTime() - 1));
    try {
      await api.instant(text, CHECK_AT);
    } catch (e) {
      if (!rejectedByPrometheus(e)) throw e;
      issues.push({
        path: q.path,
        message: `Prometheus refused it: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  return issues;
}
