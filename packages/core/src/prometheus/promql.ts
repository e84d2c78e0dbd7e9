/**
 * Safe PromQL building blocks (pure). Label values from configuration are escaped before they enter a
 * query, so a value can never end the string literal it sits in (PromQL injection); metric and label
 * names are validated instead, since names cannot be quoted in Prometheus 2.x.
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/**
 * Escapes a value for a double-quoted PromQL string literal: `\` → `\\`, `"` → `\"`, newline → `\n`
 * (carriage return → `\r` as well). The result goes between double quotes.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n\r]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      default:
        return "\\r";
    }
  });
}

/** Escapes RE2 metacharacters so that a literal string can be used inside a `=~` matcher. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `metric{a="x",b=~"y"}`: equality matchers from `labels`, regex matchers from `regexLabels` (values are
 * RE2 regexes, fully anchored by Prometheus; they are escaped as string literals, not as regexes). Matchers
 * keep the order of the records. Throws on an invalid metric or label name. No matchers → `metric`.
 */
export function selector(
  metric: string,
  labels?: Record<string, string>,
  regexLabels?: Record<string, string>,
): string {
  if (!isValidMetricName(metric)) {
    throw new Error(`invalid metric name ${JSON.stringify(metric)}: must match ${METRIC_NAME.source}`);
  }
  const matchers: string[] = [];
  const add = (name: string, op: string, value: string) => {
    if (!isValidLabelName(name)) {
      throw new Error(
        `invalid label name ${JSON.stringify(name)} in selector for ${metric}: must match ${LABEL_NAME.source}`,
      );
    }
    if (typeof value !== "string") {
      throw new Error(`label ${name} of selector for ${metric} must be a string, got ${typeof value}`);
    }
    matchers.push(`${name}${op}"${escapeLabelValue(value)}"`);
  };
  for (const [k, v] of Object.entries(labels ?? {})) add(k, "=", v);
  for (const [k, v] of Object.entries(regexLabels ?? {})) add(k, "=~", v);
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(",")}}`;
}

const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
];

/**
 * A PromQL duration for a whole number of milliseconds, in the largest unit that represents it exactly:
 * 31 days → `31d`, 745 h → `745h`, 44 700 min → `745h`, 90 s → `90s`, 2 678 399 999 ms → `2678399999ms`.
 * Throws on negative, fractional or non-finite input. 0 → `0s`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`invalid duration ${ms} ms: must be a non-negative whole number of milliseconds`);
  }
  if (ms === 0) return "0s";
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const PARSE_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A PromQL duration ("5m", "1h30m", "3d") in milliseconds, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|[smhdwy]))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(m[1]) * PARSE_UNITS[m[2]!]!;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** Unix seconds with millisecond precision and no trailing zeros: 1727740799.999, 1727740800, 0.5. */
export function formatTimestamp(time: Date | number): string {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new Error(`invalid time ${String(time)}`);
  const whole = Math.round(ms);
  const sign = whole < 0 ? "-" : "";
  const abs = Math.abs(whole);
  const secs = Math.floor(abs / 1000);
  const frac = abs % 1000;
  return frac === 0 ? `${sign}${secs}` : `${sign}${secs}.${String(frac).padStart(3, "0").replace(/0+$/, "")}`;
}

/** `@ 1727740799.999`: evaluate a selector or subquery at a fixed time (Prometheus ≥ 2.25, no flag from 2.33). */
/**
 * The per-step range queries of a report are evaluated at each step's end (aligned to the step, so no
 * engine or cache rounding moves them) and look 1 ms back, so a point sees the samples of
 * (end - step - 1 ms, end - 1 ms]: exactly its step's, as an instant query at end - 1 ms does.
 */
export const STEP_OFFSET = "offset 1ms";

export function atModifier(time: Date | number): string {
  return `@ ${formatTimestamp(time)}`;
}
