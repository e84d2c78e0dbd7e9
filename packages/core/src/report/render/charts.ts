/**
 * Inline SVG charts for the HTML report, written by hand (no dependencies, no scripts). Every string taken
 * from the document is escaped. Each chart carries a `data-chart` attribute so tests can find it, a <title>
 * for screen readers, and per-bar <title> tooltips.
 */
import type { SloReport } from "../model.js";
import {
  COLORS,
  dayMet,
  escapeHtml,
  fixed,
  LONG_WINDOW_DAYS,
  oneLine,
  pct,
  remainingPct,
  shortMonth,
} from "./format.js";

const W = 640;
const H = 220;
const PAD = { left: 68, right: 14, top: 24, bottom: 30 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const FONT = 'font-family="Arial, Helvetica, sans-serif" font-size="11"';

const n2 = (x: number) => (Math.round(x * 100) / 100).toString();

function open(kind: string, id: string, label: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${kind}" id="${id}" role="img" aria-labelledby="${id}-t" ` +
    `width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" style="display:block;max-width:100%;height:auto">` +
    `<title id="${id}-t">${escapeHtml(label)}</title>` +
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`
  );
}

function noData(kind: string, id: string, label: string, message: string): string {
  return (
    `${open(kind, id, label)}` +
    `<rect x="${PAD.left}" y="${PAD.top}" width="${PLOT_W}" height="${PLOT_H}" fill="#f6f8fa" stroke="${COLORS.border}"/>` +
    `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="13" fill="${COLORS.muted}">${escapeHtml(message)}</text>` +
    "</svg>"
  );
}

/** digits for axis labels spanning `spanPct` percentage points */
function axisDigits(spanPct: number): number {
  return spanPct >= 10 ? 0 : spanPct >= 1 ? 1 : spanPct >= 0.1 ? 2 : 3;
}

/** which day indexes get an x-axis label (quarters and years: the first of each month, every other in a year) */
function labelDay(i: number, n: number, date: string): boolean {
  if (n <= 10) return true;
  if (n <= 45) {
    const dom = Number(date.slice(8, 10));
    return i === 0 || (dom % 5 === 0 && dom !== 30) || i === n - 1;
  }
  if (n > LONG_WINDOW_DAYS) {
    const month = Number(date.slice(5, 7));
    return date.endsWith("-01") && (n <= 124 || month % 2 === 1);
  }
  return i % Math.ceil(n / 8) === 0;
}

function xLabel(date: string, n: number): string {
  if (n > LONG_WINDOW_DAYS) return shortMonth(date.slice(0, 7)).slice(0, 3);
  return n <= 45 ? String(Number(date.slice(8, 10))) : date.slice(5);
}

/**
 * Daily attainment as bars: green when the day met the objective, red when not, grey hatched when the day has
 * no data. The y axis runs from just below min(lowest attainment, objective) to 100 %; the objective is a
 * dashed line.
 */
export function dailyAttainmentChart(s: SloReport, index: number): string {
  const id = `chart-daily-${index}`;
  const label = `Daily attainment of ${oneLine(s.name)} against the objective ${pct(s.objective, 3)}`;
  const days = s.daily;
  if (days.length === 0) return noData("daily-attainment", id, label, "no daily data");
  const known = days.map((d) => d.attainment).filter((a): a is number => a !== null && Number.isFinite(a));
  const lo0 = Math.min(s.objective, ...known);
  const span = Math.max(1 - lo0, 1e-6);
  const lo = Math.max(0, lo0 - span * 0.15);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (1 - lo)) * PLOT_H;
  const bottom = PAD.top + PLOT_H;
  const band = PLOT_W / days.length;
  const barW = Math.max(1, band * 0.72);
  const hatch = `hatch-${index}`;
  const parts: string[] = [open("daily-attainment", id, label)];
  parts.push(
    `<defs><pattern id="${hatch}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#eef0f2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#a0a7b0" stroke-width="2"/></pattern></defs>`,
  );
  // grid and y axis labels
  const digits = axisDigits((1 - lo) * 100);
  for (const v of [lo, (lo + 1) / 2, 1]) {
    const yy = n2(y(v));
    parts.push(
      `<line x1="${PAD.left}" y1="${yy}" x2="${PAD.left + PLOT_W}" y2="${yy}" stroke="${COLORS.grid}"/>` +
        `<text x="${PAD.left - 6}" y="${n2(y(v) + 4)}" text-anchor="end" ${FONT} fill="${COLORS.muted}">${fixed(v * 100, digits)} %</text>`,
    );
  }
  // bars
  days.forEach((d, i) => {
    const x = n2(PAD.left + i * band + (band - barW) / 2);
    const date = escapeHtml(d.date);
    if (d.attainment === null || !Number.isFinite(d.attainment)) {
      parts.push(
        `<rect x="${x}" y="${PAD.top}" width="${n2(barW)}" height="${n2(PLOT_H)}" fill="url(#${hatch})" data-day="${date}" data-state="no-data">` +
          `<title>${date}: no data</title></rect>`,
      );
      return;
    }
    const met = dayMet(d.attainment, s.objective);
    const top = Math.min(y(d.attainment), bottom - 1);
    parts.push(
      `<rect x="${x}" y="${n2(top)}" width="${n2(barW)}" height="${n2(bottom - top)}" fill="${met ? COLORS.met : COLORS.missed}" ` +
        `data-day="${date}" data-state="${met ? "met" : "below"}"><title>${date}: ${pct(d.attainment, 3, [s.objective, 1])}` +
        `${met ? "" : " (below objective)"}</title></rect>`,
    );
    if (labelDay(i, days.length, d.date)) {
      parts.push(
        `<text x="${n2(PAD.left + (i + 0.5) * band)}" y="${bottom + 16}" text-anchor="middle" ${FONT} fill="${COLORS.muted}">${escapeHtml(xLabel(d.date, days.length))}</text>`,
      );
    }
  });
  // x labels for null days too (the loop above returns early for them)
  days.forEach((d, i) => {
    if ((d.attainment === null || !Number.isFinite(d.attainment)) && labelDay(i, days.length, d.date)) {
      parts.push(
        `<text x="${n2(PAD.left + (i + 0.5) * band)}" y="${bottom + 16}" text-anchor="middle" ${FONT} fill="${COLORS.muted}">${escapeHtml(xLabel(d.date, days.length))}</text>`,
      );
    }
  });
  // objective line; its key sits above the plot so it never covers the bars
  const yo = y(s.objective);
  const keyX = PAD.left + PLOT_W;
  parts.push(
    `<line x1="${PAD.left}" y1="${n2(yo)}" x2="${PAD.left + PLOT_W}" y2="${n2(yo)}" stroke="${COLORS.text}" stroke-width="1.5" stroke-dasharray="6 4" data-line="objective"/>` +
      `<line x1="${keyX - 150}" y1="11" x2="${keyX - 126}" y2="11" stroke="${COLORS.text}" stroke-width="1.5" stroke-dasharray="6 4"/>` +
      `<text x="${keyX}" y="15" text-anchor="end" ${FONT} fill="${COLORS.text}">objective ${escapeHtml(pct(s.objective, 3))}</text>`,
  );
  parts.push(
    `<line x1="${PAD.left}" y1="${bottom}" x2="${PAD.left + PLOT_W}" y2="${bottom}" stroke="${COLORS.muted}"/>`,
    "</svg>",
  );
  return parts.join("");
}

/** remaining budget (ratio of allowed) at the start and after each day, from the daily bad units */
export function burnDownPoints(s: SloReport): number[] | null {
  const allowed = s.errorBudget.allowed;
  if (!(allowed > 0) || s.daily.length === 0) return null;
  const out = [1];
  let used = 0;
  for (const d of s.daily) {
    used += Number.isFinite(d.bad) ? d.bad : 0;
    out.push(1 - used / allowed);
  }
  return out;
}

/**
 * Budget burn-down: cumulative remaining budget across the days, starting at 100 %, going below the zero line
 * when overspent (the area below zero is tinted). A dashed diagonal shows an even burn that ends at 0 %.
 */
export function budgetBurnDownChart(s: SloReport, index: number): string {
  const id = `chart-budget-${index}`;
  const label = `Error budget remaining of ${oneLine(s.name)} across the window`;
  const pts = burnDownPoints(s);
  if (pts === null || s.attainment === null)
    return noData("budget-burndown", id, label, "no data: error budget unknown");
  const min = Math.min(0, ...pts);
  const pad = (1 - min) * 0.08;
  const top = 1 + pad;
  const lowest = min - pad;
  const y = (v: number) => PAD.top + ((top - v) / (top - lowest)) * PLOT_H;
  const x = (i: number) => PAD.left + (i / (pts.length - 1)) * PLOT_W;
  const bottom = PAD.top + PLOT_H;
  const parts: string[] = [open("budget-burndown", id, label)];
  const y0 = y(0);
  parts.push(
    `<rect x="${PAD.left}" y="${n2(y0)}" width="${PLOT_W}" height="${n2(bottom - y0)}" fill="${COLORS.missed}" fill-opacity="0.07"/>`,
  );
  const ticks = min < 0 ? [1, 0, min] : [1, 0.5, 0];
  const digits = axisDigits((1 - min) * 100) - 1;
  for (const v of ticks) {
    const yy = n2(y(v));
    const isZero = v === 0;
    parts.push(
      `<line x1="${PAD.left}" y1="${yy}" x2="${PAD.left + PLOT_W}" y2="${yy}" stroke="${isZero ? COLORS.muted : COLORS.grid}"${isZero ? ' stroke-width="1.5" data-line="zero"' : ""}/>` +
        `<text x="${PAD.left - 6}" y="${n2(y(v) + 4)}" text-anchor="end" ${FONT} fill="${COLORS.muted}">${fixed(v * 100, Math.max(0, digits), [0])} %</text>`,
    );
  }
  // even burn: 100 % at the start to 0 % at the end
  parts.push(
    `<line x1="${PAD.left}" y1="${n2(y(1))}" x2="${PAD.left + PLOT_W}" y2="${n2(y0)}" stroke="${COLORS.muted}" stroke-dasharray="3 4" data-line="even-burn"/>`,
  );
  const last = pts[pts.length - 1]!;
  const color = last < 0 ? COLORS.missed : COLORS.line;
  parts.push(
    `<polyline fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${pts.map((v, i) => `${n2(x(i))},${n2(y(v))}`).join(" ")}"/>`,
  );
  // a dot per day up to two months; over a quarter or a year a dot at each month's end
  const long = s.daily.length > LONG_WINDOW_DAYS;
  s.daily.forEach((d, i) => {
    const next = s.daily[i + 1];
    if (!long || !next || next.date.slice(0, 7) !== d.date.slice(0, 7)) {
      parts.push(
        `<circle cx="${n2(x(i + 1))}" cy="${n2(y(pts[i + 1]!))}" r="2" fill="${color}"><title>${escapeHtml(d.date)}: ${remainingPct(pts[i + 1]!)} remaining</title></circle>`,
      );
    }
    if (labelDay(i, s.daily.length, d.date)) {
      parts.push(
        `<text x="${n2(x(i + 1))}" y="${bottom + 16}" text-anchor="middle" ${FONT} fill="${COLORS.muted}">${escapeHtml(xLabel(d.date, s.daily.length))}</text>`,
      );
    }
  });
  const lastY = y(last);
  parts.push(
    `<text x="${PAD.left + PLOT_W - 4}" y="${n2(lastY + (lastY > bottom - 14 ? -8 : 14))}" text-anchor="end" ${FONT} font-weight="bold" fill="${color}">${escapeHtml(remainingPct(last))}</text>`,
    `<line x1="${PAD.left}" y1="${bottom}" x2="${PAD.left + PLOT_W}" y2="${bottom}" stroke="${COLORS.muted}"/>`,
    "</svg>",
  );
  return parts.join("");
}
