/**
 * Pure renderers of a report document (no I/O): canonical JSON, self-contained HTML (email and browser),
 * GitHub Markdown, 80-column plain text for email, RFC 4180 CSV.
 */
import type { ReportDocument } from "../model.js";
import { renderCsv } from "./csv.js";
import type { RenderOptions } from "./format.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderText } from "./text.js";

export { budgetBurnDownChart, burnDownPoints, dailyAttainmentChart } from "./charts.js";
export { CSV_COLUMNS, csvField, neutraliseFormula, renderCsv } from "./csv.js";
export { EMAIL_HTML_MAX_BYTES, type EmailHtmlOptions, renderEmailHtml } from "./email.js";
export {
  breachFacts,
  breachWord,
  escapeHtml,
  incompleteNote,
  periodLabel,
  REPORT_CSP,
  type RenderOptions,
  renderSummaryLine,
  round,
  worstFirst,
} from "./format.js";
export { renderHtml } from "./html.js";
export { canonicalReport, renderJson } from "./json.js";
export { escapeMarkdown, renderMarkdown } from "./markdown.js";
export { type PortalOptions, portalHref, renderPortal } from "./portal.js";
export { renderBreachDigest, renderText, TEXT_WIDTH, truncate, wrap } from "./text.js";

export interface RenderedReport {
  "report.json": string;
  "report.html": string;
  "report.md": string;
  "report.txt": string;
  "report.csv": string;
}

/** Every format at once, keyed by file name. */
export function renderAll(doc: ReportDocument, opts: RenderOptions = {}): RenderedReport {
  return {
    "report.json": renderJson(doc),
    "report.html": renderHtml(doc, opts),
    "report.md": renderMarkdown(doc, opts),
    "report.txt": renderText(doc, opts),
    "report.csv": renderCsv(doc),
  };
}
