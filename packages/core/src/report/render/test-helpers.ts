/** Test helpers for the renderer tests (not exported from the barrel). */
import { sampleReport } from "../../../../../test/fixtures/report-sample.js";
import type { ReportDocument } from "../model.js";

export { sampleReport };

export const LINKS = {
  html: "https://reports.example.com/reports/monthly/2026-10/all.html",
  json: "https://reports.example.com/reports/monthly/2026-10/all.json",
};

export const XSS_NAME = "<script>alert(1)</script>";
export const XSS_QUERY = `sum(rate(http_requests_total{job="x",path="/a'b"}[5m])) < 0.5 & on() vector(1)`;

/** The sample with hostile strings where the document carries text. */
export function hostileReport(): ReportDocument {
  const doc = sampleReport();
  const missed = doc.slos[1]!;
  missed.name = XSS_NAME;
  missed.service = `checkout "EU" & <b>co</b>`;
  missed.queries.push(XSS_QUERY);
  doc.breaches[0]!.slo = XSS_NAME;
  doc.slos[2]!.reason = `query failed: <img src=x onerror=alert(2)> "quoted" & 'single'`;
  return doc;
}

/** the HTML between a marker and the next occurrence of `until` (or the end) */
export function sliceFrom(html: string, marker: string, until?: string): string {
  const i = html.indexOf(marker);
  if (i < 0) throw new Error(`marker not found: ${marker}`);
  const j = until === undefined ? -1 : html.indexOf(until, i + marker.length);
  return html.slice(i, j < 0 ? undefined : j);
}

/** Minimal RFC 4180 parser for assertions (quoted fields, doubled quotes, CRLF records). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
