/** Deterministic storage keys of a report (same layout in S3 and in a local folder). */
import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import type { Window } from "../slo/windows.js";

export const REPORT_FORMATS = ["json", "html", "md", "txt", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const INDEX_KEY = "reports/index.json";

/**
 * A window bound in the key: local time, minutes as `T1200`; a bound with seconds or milliseconds keeps them
 * (`T120005`, `T120000.123`), and a local time that occurs twice (the repeated hour when DST ends:
 * 01:30 on 2026-11-01 in America/New_York is 05:30Z and 06:30Z) carries its UTC offset (`T0130-0400`,
 * `T0130-0500`), so two distinct custom windows never share a key or a publish-once marker.
 */
const compact = (d: Date, zone: string) => {
  const t = DateTime.fromJSDate(d, { zone });
  const format = t.millisecond
    ? "yyyy-MM-dd'T'HHmmss'.'SSS"
    : t.second
      ? "yyyy-MM-dd'T'HHmmss"
      : "yyyy-MM-dd'T'HHmm";
  const ambiguous = t.getPossibleOffsets().length > 1;
  return t.toFormat(ambiguous ? `${format}ZZZ` : format);
};

/** `monthly/2026-10`, `weekly/2026-W43`, `quarterly/2026-Q4`, `yearly/2026`, `custom/2026-10-05T0000_2026-10-12T0000` (+ subset suffix). */
export function reportId(w: Window, sloFilter?: string[]): string {
  const base =
    w.kind === "custom"
      ? `custom/${compact(w.start, w.timeZone)}_${compact(w.end, w.timeZone)}`
      : `${w.kind}/${w.period}`;
  if (!sloFilter || sloFilter.length === 0) return base;
  const h = createHash("sha256")
    .update([...sloFilter].sort().join("\n"))
    .digest("hex")
    .slice(0, 8);
  return `${base}/subset-${h}`;
}

export function reportKeys(w: Window, sloFilter?: string[]): Record<ReportFormat, string> {
  const id = reportId(w, sloFilter);
  return Object.fromEntries(REPORT_FORMATS.map((f) => [f, `reports/${id}/report.${f}`])) as Record<
    ReportFormat,
    string
  >;
}

/** Marker recording that a notification for this report was published (publish at most once). */
export function notificationKey(w: Window, sloFilter: string[] | undefined, name: string): string {
  return `notifications/${reportId(w, sloFilter)}/${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}
