/**
 * Quarters and years in the renderers: 90–366 daily figures. JSON keeps every day; HTML and Markdown add
 * monthly subtotals, label the chart by month and cap the list of days below objective; the email's daily
 * strip keeps a month's width.
 */
import { describe, expect, it } from "vitest";
import { dailyWindows, formatWindow, quarterWindow, type Window, yearWindow } from "../../slo/windows.js";
import type { DailyPoint, ReportDocument } from "../model.js";
import { renderEmailHtml } from "./email.js";
import { kindLabel, monthlySubtotals, periodLabel } from "./format.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { sampleReport, sliceFrom } from "./test-helpers.js";
import { renderText } from "./text.js";

/** every 4th day below a 99.9 % objective (2 bad minutes), 2026-02-10..12 without data */
function daily(w: Window): DailyPoint[] {
  return dailyWindows(w).map((d, i) => {
    if (d.date >= "2026-02-10" && d.date <= "2026-02-12") return { date: d.date, attainment: null, bad: 0 };
    const minutes = (d.end.getTime() - d.start.getTime()) / 60_000;
    const bad = i % 4 === 0 ? 2 : 0;
    return { date: d.date, attainment: 1 - bad / minutes, bad };
  });
}

/** The sample report moved onto a quarter or a year, its SLOs with a daily point per local day. */
function longReport(w: Window): ReportDocument {
  const doc = sampleReport();
  doc.kind = w.kind as ReportDocument["kind"];
  doc.period = w.period;
  doc.window = { ...formatWindow(w), hours: (w.end.getTime() - w.start.getTime()) / 3_600_000 };
  for (const s of doc.slos) s.daily = daily(w);
  return doc;
}

const TZ = "Europe/Berlin";
const year = longReport(yearWindow("2026", TZ));
const quarter = longReport(quarterWindow("2026-Q4", TZ));
const api = (doc: ReportDocument) => doc.slos.find((s) => s.name === "api-availability")!;

describe("labels", () => {
  it("names quarters and years", () => {
    expect(periodLabel(quarter)).toBe("Q4 2026 (Oct–Dec)");
    expect(periodLabel(year)).toBe("Year 2026");
    expect(kindLabel("quarterly")).toBe("Quarterly");
    expect(kindLabel("yearly")).toBe("Yearly");
  });
});

describe("monthlySubtotals", () => {
  it("groups the days by local month: counts, bad units and the worst day", () => {
    const months = monthlySubtotals(api(year).daily, 0.999);
    expect(months.map((m) => m.month)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}`),
    );
    expect(months.reduce((n, m) => n + m.days, 0)).toBe(365);
    const feb = months[1]!;
    expect(feb).toMatchObject({ month: "2026-02", days: 28, noData: 3 });
    expect(feb.met + feb.below + feb.noData).toBe(28);
    const total = api(year).daily.reduce((b, d) => b + d.bad, 0);
    expect(months.reduce((b, m) => b + m.bad, 0)).toBe(total);
    // 2 bad minutes of a 1440-minute day; March's 23-hour day (29th) would be worse, if it is one of them
    expect(months[0]!.worst).toBeCloseTo(1 - 2 / 1440, 12);
  });
});

describe("a yearly report", () => {
  const html = renderHtml(year);
  const md = renderMarkdown(year);
  const below = api(year).daily.filter((d) => d.bad > 0).length;

  it("keeps every day in the JSON", () => {
    const json = JSON.parse(renderJson(year)) as {
      slos: { daily: unknown[] }[];
      kind: string;
      period: string;
    };
    expect(json).toMatchObject({ kind: "yearly", period: "2026" });
    for (const s of json.slos) expect(s.daily).toHaveLength(365);
  });

  it("HTML: a Months table with a row per month, the daily chart labelled by month, the list capped", () => {
    expect(html).toContain("Year 2026");
    const section = sliceFrom(html, 'id="slo-0"', 'id="slo-1"');
    const rows = [...section.matchAll(/<tr data-month="(\d{4}-\d{2})">/g)].map((m) => m[1]);
    expect(rows).toHaveLength(12);
    expect(section).toContain("<h3");
    expect(section).toContain(">Months</h3>");
    // 365 bars, one per day; axis labels every other month (Jan, Mar, …, Nov)
    const chart = sliceFrom(section, 'data-chart="daily-attainment"', "</svg>");
    expect([...chart.matchAll(/data-day="/g)]).toHaveLength(365);
    const labels = [...chart.matchAll(/<text [^>]*text-anchor="middle"[^>]*>([^<]+)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual(["Jan", "Mar", "May", "Jul", "Sep", "Nov"]);
    // burn-down: a dot at each month's end, not 365
    const burn = sliceFrom(section, 'data-chart="budget-burndown"', "</svg>");
    expect([...burn.matchAll(/<circle /g)]).toHaveLength(12);
    // the days below objective: the first 62 listed, then how many more
    expect(below).toBeGreaterThan(62);
    expect(section).toContain(`Days below objective (${below}):`);
    expect(section).toContain(`&hellip; and ${below - 62} more (every day is in the JSON report)`);
  });

  it("Markdown: a Months table and at most 62 days below objective", () => {
    const section = md.slice(md.indexOf("## api-availability"), md.indexOf("## checkout-availability"));
    expect(section).toContain("### Months\n");
    expect(section).toMatch(/\| Feb 2026 \| \d+ \| \d+ \| 3 \| /);
    const dayRows = section.match(/^\| 2026-\d\d-\d\d \|/gm) ?? [];
    expect(dayRows).toHaveLength(62);
    expect(section).toContain(`… and ${below - 62} more days below objective (every day is in report.json).`);
  });

  it("email: the daily strip is a month wide however long the window", () => {
    const mail = renderEmailHtml(year);
    const strips = [
      ...mail.matchAll(
        /<table role="presentation" height="8"[^>]*><tr>((?:<td width="\d+" bgcolor="[^"]+"><\/td>)+)<\/tr><\/table><span[^>]*>(?:every day met|\d+ days? below)/g,
      ),
    ];
    expect(strips.length).toBeGreaterThan(0);
    for (const [, cells] of strips) {
      const widths = [...cells!.matchAll(/width="(\d+)"/g)].map((m) => Number(m[1]));
      const total = widths.reduce((a, b) => a + b, 0);
      // 124 px for the days, at least 1 px per run (rounding adds at most that)
      expect(total).toBeGreaterThanOrEqual(124);
      expect(total).toBeLessThanOrEqual(124 + widths.length);
    }
  });

  it("text: the title names the year and no line is wider than 80 columns", () => {
    const text = renderText(year);
    expect(text).toContain("Year 2026");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe("a quarterly report", () => {
  it("HTML: three month rows and month labels on the daily chart", () => {
    const html = renderHtml(quarter);
    const section = sliceFrom(html, 'id="slo-0"', 'id="slo-1"');
    expect([...section.matchAll(/<tr data-month="(\d{4}-\d{2})">/g)].map((m) => m[1])).toEqual([
      "2026-10",
      "2026-11",
      "2026-12",
    ]);
    const chart = sliceFrom(section, 'data-chart="daily-attainment"', "</svg>");
    expect([...chart.matchAll(/data-day="/g)]).toHaveLength(92);
    const labels = [...chart.matchAll(/<text [^>]*text-anchor="middle"[^>]*>([^<]+)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual(["Oct", "Nov", "Dec"]);
    expect(html).toContain("Q4 2026 (Oct–Dec)");
  });

  it("a month keeps its daily list and no Months table", () => {
    const html = renderHtml(sampleReport());
    expect(html).not.toContain(">Months</h3>");
    expect(renderMarkdown(sampleReport())).not.toContain("### Months");
  });
});
