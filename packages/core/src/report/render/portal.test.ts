import { describe, expect, it } from "vitest";
import { type IndexSlo, lastPeriods, type PortalEntry, pruneHistory, sloHistory } from "../history.js";
import { REPORT_CSP } from "./format.js";
import { portalHref, renderPortal } from "./portal.js";
import { sliceFrom } from "./test-helpers.js";

const slo = (name: string, over: Partial<IndexSlo> = {}): IndexSlo => ({
  name,
  service: "api",
  objective: 0.999,
  status: "met",
  attainment: 0.9995,
  budgetRemaining: 0.5,
  ...over,
});

function entry(
  kind: "monthly" | "weekly" | "quarterly" | "yearly",
  period: string,
  slos: IndexSlo[],
  over: Partial<PortalEntry> = {},
) {
  const start =
    kind === "monthly"
      ? `${period}-01T00:00:00.000+00:00`
      : kind === "quarterly"
        ? `${period.slice(0, 4)}-${String((Number(period.slice(6)) - 1) * 3 + 1).padStart(2, "0")}-01T00:00:00.000+00:00`
        : kind === "yearly"
          ? `${period}-01-01T00:00:00.000+00:00`
          : "2026-10-19T00:00:00.000+02:00";
  const id = `${kind}/${period}`;
  return {
    id,
    kind,
    period,
    window: { start, end: start, timeZone: "Europe/Berlin", hours: 744 },
    generatedAt: "2026-11-01T06:00:00.000+01:00",
    summary: {
      total: slos.length,
      met: slos.filter((s) => s.status === "met").length,
      missed: slos.filter((s) => s.status === "missed").length,
      unknown: slos.filter((s) => s.status === "unknown").length,
    },
    keys: Object.fromEntries(
      ["json", "html", "md", "txt", "csv"].map((f) => [f, `reports/${id}/report.${f}`]),
    ),
    partial: false,
    slos,
    ...over,
  } satisfies PortalEntry;
}

const GEN = { generatedAt: "2026-11-01T06:00:05.000+01:00" };

describe("history periods", () => {
  it("counts back calendar months and ISO weeks across year ends (2026 has 53 ISO weeks)", () => {
    expect(lastPeriods("monthly", "2026-02", 4)).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(lastPeriods("weekly", "2027-W02", 4)).toEqual(["2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
    expect(lastPeriods("monthly", "2026-10", 12)).toHaveLength(12);
    expect(lastPeriods("monthly", "not-a-period", 12)).toEqual([]);
  });

  it("counts back quarters and years across year ends; a period of another kind gives none", () => {
    expect(lastPeriods("quarterly", "2027-Q2", 4)).toEqual(["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]);
    expect(lastPeriods("yearly", "2026", 3)).toEqual(["2024", "2025", "2026"]);
    expect(lastPeriods("quarterly", "2026-10", 4)).toEqual([]);
    expect(lastPeriods("yearly", "2026-Q4", 4)).toEqual([]);
    expect(lastPeriods("quarterly", "2026-Q5", 4)).toEqual([]);
  });

  it("gives every SLO one cell per period: its figures, 'not in the report', or no report at all", () => {
    const entries = [
      entry("monthly", "2026-10", [
        slo("a"),
        slo("b", { status: "missed", attainment: 0.99, budgetRemaining: -9 }),
      ]),
      entry("monthly", "2026-08", [slo("a")]),
      entry("monthly", "2026-09", [slo("a")], { id: "monthly/2026-09/subset-1234abcd" }), // not a period report
      entry("weekly", "2026-W43", [slo("a")]),
    ];
    const { periods, slos } = sloHistory(entries, "monthly");
    expect(periods[0]).toBe("2025-11");
    expect(periods.at(-1)).toBe("2026-10");
    expect(slos.map((s) => s.name)).toEqual(["a", "b"]);
    const a = slos[0]!.cells;
    expect(a.filter((c) => c.slo).map((c) => c.period)).toEqual(["2026-08", "2026-10"]);
    expect(a.find((c) => c.period === "2026-09")?.entry).toBeUndefined();
    const b = slos[1]!.cells;
    expect(b.find((c) => c.period === "2026-08")).toMatchObject({ entry: { id: "monthly/2026-08" } });
    expect(b.find((c) => c.period === "2026-08")?.slo).toBeUndefined();
  });
});

describe("pruneHistory", () => {
  it("keeps SLO figures in the newest 12 reports of each kind only; every entry stays listed", () => {
    const monthly = lastPeriods("monthly", "2026-03", 15).map((p) => entry("monthly", p, [slo("a")])); // 2025-01 ..
    const weekly = [entry("weekly", "2026-W44", [slo("a")])];
    const subset = entry("monthly", "2026-03", [slo("a")], { id: "monthly/2026-03/subset-1234abcd" });
    const pruned = pruneHistory([...monthly, ...weekly, subset]);
    expect(pruned).toHaveLength(17);
    const withFigures = pruned.filter((e) => e.slos).map((e) => e.id);
    expect(withFigures).toHaveLength(13);
    expect(withFigures).toContain("weekly/2026-W44");
    expect(withFigures).not.toContain("monthly/2025-01");
    expect(withFigures).not.toContain("monthly/2025-03");
    expect(withFigures).toContain("monthly/2025-04");
    expect(withFigures).toContain("monthly/2026-03");
    expect(withFigures).not.toContain(subset.id);
    expect(pruned.find((e) => e.id === "monthly/2025-01")).toMatchObject({ summary: { total: 1 } });
  });
});

describe("renderPortal", () => {
  const months = Array.from({ length: 14 }, (_, i) => {
    const d = new Date(Date.UTC(2025, 8 + i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  }); // 2025-09 .. 2026-10
  const entries = [
    ...months.map((p, i) =>
      entry("monthly", p, [
        slo(
          "api-availability",
          i === 12 ? { status: "missed", attainment: 0.998, budgetRemaining: -1.08 } : {},
        ),
        slo("checkout", {
          service: "checkout",
          objective: 0.995,
          attainment: i === 5 ? null : 0.997,
          status: i === 5 ? "unknown" : "met",
          budgetRemaining: i === 5 ? null : 0.4,
        }),
      ]),
    ),
    entry("weekly", "2026-W44", [slo("api-availability")], { partial: true }),
  ];
  const html = renderPortal(entries, GEN);

  it("is a static page: the report's CSP, no scripts, no event handlers", () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(html).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
  });

  it("lists every report, newest first, with its summary and relative links", () => {
    const rows = [...html.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toHaveLength(15);
    expect(rows.slice(0, 3)).toEqual(["weekly/2026-W44", "monthly/2026-10", "monthly/2026-09"]);
    expect(rows.at(-1)).toBe("monthly/2025-09");
    expect(html).toContain(
      '<a href="monthly/2026-09/report.html">October 2026</a>'.replace("October", "September"),
    );
    expect(html).toMatch(/<tr data-report="weekly\/2026-W44">.*in progress/);
    expect(html).toContain('<a href="monthly/2026-10/report.json">JSON</a>');
  });

  /** the rows of one history table, by SLO: its cells (class, content) and the whole row */
  function history(page: string, kind: "monthly" | "weekly") {
    const from = page.indexOf(`data-history="${kind}"`);
    const table = page.slice(from, page.indexOf("</table>", from));
    const periods = [...table.matchAll(/<th title="([^"]+)">/g)].map((m) => m[1]);
    const rows = Object.fromEntries(
      [...table.matchAll(/<tr data-slo="([^"]+)">(.*?)<\/tr>/g)].map((m) => [
        m[1]!,
        {
          row: m[2]!,
          cells: [...m[2]!.matchAll(/<td class="([a-z ]+)">(.*?)<\/td>/g)].map((c) => [c[1]!, c[2]!]),
        },
      ]),
    );
    return { periods, rows };
  }

  it("shows each SLO's last 12 months and 12 weeks: status per period linking to its report, budget, two trends", () => {
    const m = history(html, "monthly");
    expect(m.periods).toEqual(months.slice(2)); // the last 12 of the 14 stored months
    expect(Object.keys(m.rows)).toEqual(["api-availability", "checkout"]); // by service, then name
    const api = m.rows["api-availability"]!;
    expect(api.cells.map((c) => c[0])).toEqual([...Array(10).fill("met"), "missed", "met"]);
    expect(api.cells[10]![1]).toBe(
      '<a href="monthly/2026-09/report.html">MISSED 99.800</a><small><span class="o">-108.0 %</span></small>',
    );
    expect(api.cells[11]![1]).toBe(
      '<a href="monthly/2026-10/report.html">MET 99.950</a><small><span>50.0 %</span></small>',
    );
    expect(api.row.match(/<svg /g)).toHaveLength(2);
    expect(api.row).toContain('data-chart="trend-attainment-monthly"');
    expect(api.row).toContain('data-chart="trend-budget-monthly"');
    expect(api.row).toContain('<path class="neg"'); // the overspent month below the zero line
    // an unknown month: a gap in the attainment line, "n/a"
    const checkout = m.rows.checkout!;
    expect(checkout.cells[3]).toEqual([
      "unknown",
      '<a href="monthly/2026-02/report.html">UNKNOWN n/a</a><small>budget n/a</small>',
    ]);
    expect(checkout.row.match(/<polyline /g)).toHaveLength(2);
    const w = history(html, "weekly");
    expect(w.periods).toHaveLength(12);
    expect(w.periods.at(-1)).toBe("2026-W44");
    const week = w.rows["api-availability"]!.cells;
    expect(week.filter((c) => c[0] === "none")).toHaveLength(11); // weeks without a report
    expect(week.at(-1)![0]).toBe("met run"); // the running week, in italics
  });

  it("escapes every text from the index; keys that are not plain report keys get no link", () => {
    const hostile = entry("monthly", "2026-10", [slo("x", { service: '<img src=x onerror="alert(1)">&' })]);
    hostile.keys.html = "javascript:alert(1)";
    hostile.keys.json = "reports/../state/probe-state.json";
    hostile.window.timeZone = "</title><script>alert(1)</script>";
    const page = renderPortal([hostile], GEN);
    expect(page).not.toMatch(/<script|<img|javascript:/i);
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;");
    expect(page).not.toContain("state/probe-state.json");
    expect(portalHref("reports/monthly/2026-10/report.html")).toBe("monthly/2026-10/report.html");
    for (const bad of [
      "reports/../x",
      "reports//x",
      "reports/%2e%2e/x",
      "state/x",
      "reports/",
      "https://x",
    ]) {
      expect(portalHref(bad), bad).toBeUndefined();
    }
  });

  it("adds quarter and year history once such reports are stored, longest kind first", () => {
    const more = [
      ...entries,
      entry("quarterly", "2026-Q3", [slo("api-availability")]),
      entry("quarterly", "2026-Q1", [slo("api-availability", { status: "missed", attainment: 0.99 })]),
      entry("yearly", "2025", [slo("api-availability")]),
    ];
    const page = renderPortal(more, GEN);
    const order = [...page.matchAll(/<h2 id="([a-z]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(["yearly", "quarterly", "monthly", "weekly", "all"]);
    expect(page).toContain('<a href="#quarterly">quarters</a>');
    expect(page).toContain('<a href="#yearly">years</a>');
    const quarters = sliceFrom(page, 'data-history="quarterly"', "</table>");
    // the last 8 quarters ending with the newest stored one
    expect([...quarters.matchAll(/<th title="([^"]+)">([^<]+)<\/th>/g)].map((m) => [m[1], m[2]])).toEqual(
      ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"].map((p) => [
        p,
        `${p.slice(5)} ${p.slice(0, 4)}`,
      ]),
    );
    expect(quarters).toContain('href="quarterly/2026-Q3/report.html"');
    expect(quarters).toContain('href="quarterly/2026-Q1/report.html"');
    expect(quarters).toContain("attainment per quarter, last 8");
    const years = sliceFrom(page, 'data-history="yearly"', "</table>");
    expect([...years.matchAll(/<th title="([^"]+)">/g)].map((m) => m[1])).toEqual([
      "2021",
      "2022",
      "2023",
      "2024",
      "2025",
    ]);
    expect(years).toContain('href="yearly/2025/report.html"');
    // the all-reports table names the kinds and labels the periods
    expect(page).toMatch(
      /<tr data-report="yearly\/2025"><td><a href="yearly\/2025\/report.html">Year 2025<\/a>/,
    );
    expect(page).toMatch(/<tr data-report="quarterly\/2026-Q3"><td><a [^>]+>Q3 2026 \(Jul–Sep\)<\/a>/);
    expect(page).toContain("<td>Quarterly</td>");
    expect(page).toContain("<td>Yearly</td>");
    // without such reports, no such sections
    expect(html).not.toContain('id="quarterly"');
    expect(html).not.toContain('id="yearly"');
  });

  it("keeps each SLO's figures in the newest 12 quarterly and yearly reports as well", () => {
    const quarters = lastPeriods("quarterly", "2026-Q4", 14).map((p) => entry("quarterly", p, [slo("a")]));
    const pruned = pruneHistory(quarters);
    expect(pruned.filter((e) => e.slos).map((e) => e.period)).toEqual(
      lastPeriods("quarterly", "2026-Q4", 12),
    );
  });

  it("says so when nothing is stored yet", () => {
    const empty = renderPortal([], GEN);
    expect(empty).toContain("No report stored yet.");
    expect(empty).toContain("No monthly report stored yet.");
  });
});
