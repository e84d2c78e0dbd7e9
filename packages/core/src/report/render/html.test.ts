import { describe, expect, it } from "vitest";
import { renderHtml } from "./html.js";
import { hostileReport, LINKS, sampleReport, sliceFrom, XSS_NAME } from "./test-helpers.js";

const count = (s: string, sub: string) => s.split(sub).length - 1;

/** the SLO table row of the SLO at `index` */
const tableRow = (html: string, index: number) => sliceFrom(html, `<tr data-slo-index="${index}"`, "</tr>");
/** the detail section of the SLO at `index` */
const section = (html: string, index: number) =>
  sliceFrom(html, `data-slo-section="${index}"`, "data-slo-section=");

describe("renderHtml", () => {
  const html = renderHtml(sampleReport(), { links: LINKS });

  it("is one self-contained document without scripts or external resources", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/<link\b|<img\b|@import|url\(http|src=/i);
    expect(html).toContain("default-src 'none'");
  });

  it("has a title with period, window, time zone and generation time", () => {
    expect(html).toContain("<title>SLA report: October 2026</title>");
    expect(html).toContain("2026-10-01 00:00 +02:00 &rarr; 2026-11-01 00:00 +01:00");
    expect(html).toContain("<strong>Europe/Berlin</strong>, 745 h");
    expect(html).toContain("Generated 2026-11-01 06:00:12 +01:00");
  });

  it("has a coloured summary line", () => {
    const summary = sliceFrom(html, 'id="summary"', "</p>");
    expect(summary).toContain(">2 met</span>");
    expect(summary).toContain(">1 missed</span>");
    expect(summary).toContain(">1 unknown</span>");
    expect(summary).toContain("color:#cf222e");
  });

  it("has the SLO table and both charts per SLO", () => {
    expect(count(html, 'id="slo-table"')).toBe(1);
    expect(count(html, 'data-chart="daily-attainment"')).toBe(4);
    expect(count(html, 'data-chart="budget-burndown"')).toBe(4);
    expect(count(html, '<tr data-slo-index="')).toBe(4);
  });

  it("shows the overage of an overspent budget as a percentage", () => {
    const row = tableRow(html, 1);
    expect(row).toContain("-112.1 %");
    expect(row).toContain("overspent by 112.1 %");
    expect(row).toContain(">MISSED</span>");
    expect(tableRow(html, 0)).not.toContain("overspent");
  });

  it("never shows an unknown SLO as met", () => {
    const row = tableRow(html, 2);
    expect(row).toContain(">UNKNOWN</span>");
    expect(row).toContain("no data");
    expect(row).not.toContain(">MET<");
    expect(row).not.toContain('data-status="met"');
    const sec = section(html, 2);
    expect(sec).toContain("unknown (no data)");
    expect(sec).toContain("Why unknown:</strong> data covers only 41.9 %");
    expect(sec).toContain("no data: error budget unknown");
    expect(sec).not.toContain(">MET<");
    expect(count(sec, 'data-state="no-data"')).toBe(18);
    expect(sec).not.toContain("data-action-items");
  });

  it("draws bars by whether the day met the objective, with a dashed objective line", () => {
    const chart = sliceFrom(section(html, 1), 'data-chart="daily-attainment"', "</svg>");
    expect(count(chart, 'data-state="below"')).toBe(4);
    expect(count(chart, 'data-state="met"')).toBe(27);
    expect(chart).toContain('data-day="2026-10-07" data-state="below"');
    expect(chart).toMatch(/stroke-dasharray="6 4" data-line="objective"/);
    expect(chart).toContain("<title>2026-10-07: 96.667 % (below objective)</title>");
  });

  it("draws the burn-down below zero when overspent", () => {
    const chart = sliceFrom(section(html, 1), 'data-chart="budget-burndown"', "</svg>");
    expect(chart).toContain('data-line="zero"');
    expect(chart).toContain(">-112.1 %</text>");
    expect(chart).toContain("<title>2026-10-06: 100.0 % remaining</title>");
    expect(chart).toContain("<title>2026-10-07: -7.4 % remaining</title>");
  });

  it("lists incidents in local time across the DST change, maintenance and the previous period", () => {
    const sec = section(html, 1);
    expect(sec).toContain("Incidents (4)");
    expect(sec).toContain("2026-10-25 02:50 +02:00");
    expect(sec).toContain("02:05 +01:00");
    expect(sec).toContain('data-trend="down"');
    expect(sec).toContain("&#9660; down -0.153 pp");
    const api = section(html, 0);
    expect(api).toContain('data-trend="up"');
    expect(api).toContain("Maintenance (excluded, 1 h)");
    expect(api).toContain("Database upgrade (postgres 16 -&gt; 17)");
  });

  it("lists action items for a missed SLO", () => {
    expect(count(html, "data-action-items")).toBe(1);
    const items = sliceFrom(section(html, 1), "data-action-items", "</ul>");
    expect(items).toContain("Error budget overspent by 112.1 %");
    expect(items).toContain("2026-10-07 13:12 +02:00 to 14:00 +02:00, 48 min (107.4 % of the budget)");
    expect(items).toContain("Worst day: 2026-10-07 at 96.667 %");
    expect(items).toContain("Trend: -0.153 pp, worse than the previous period 2026-09");
  });

  it("has the method, collapsible queries, quantiles and breaches", () => {
    const sec = section(html, 3);
    expect(sec).toContain("<strong>Method:</strong> Ratio = sum(increase(bad))");
    expect(sec).toContain("<details");
    expect(sec).toContain("PromQL queries (2)</summary>");
    expect(sec).toContain("http_requests_total{job=&quot;checkout-api&quot;,code=~&quot;5..&quot;}");
    const q = sliceFrom(html, 'id="quantile-table"', "</table>");
    expect(q).toContain(">p95<");
    expect(q).toContain(">412.4 ms<");
    expect(q).toContain(">p99<");
    expect(q).toContain(">MISSED</span>");
    const b = sliceFrom(html, 'id="breaches"', "</ul>");
    expect(b).toContain("CRITICAL");
    expect(b).toContain("<strong>checkout-availability</strong> (checkout): missed");
  });

  it("links to the JSON and the browser version", () => {
    expect(html).toContain(`<a href="${LINKS.json}"`);
    expect(html).toContain(`<a href="${LINKS.html}"`);
    const evil = renderHtml(sampleReport(), { links: { json: "javascript:alert(1)" } });
    expect(evil).not.toContain('href="javascript:');
  });

  it("escapes every string from the document", () => {
    const out = renderHtml(hostileReport());
    expect(out).not.toContain(XSS_NAME);
    expect(out).not.toMatch(/<script/i);
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).not.toContain("<img");
    expect(out).toContain("&lt;img src=x onerror=alert(2)&gt; &quot;quoted&quot; &amp; &#39;single&#39;");
    expect(out).toContain("checkout &quot;EU&quot; &amp; &lt;b&gt;co&lt;/b&gt;");
    expect(out).not.toContain("<b>co</b>");
    expect(out).toContain(
      "sum(rate(http_requests_total{job=&quot;x&quot;,path=&quot;/a&#39;b&quot;}[5m])) &lt; 0.5 &amp; on() vector(1)",
    );
    expect(out).not.toContain('job="x"');
    // inside the SVG titles too
    expect(out).toContain('<title id="chart-daily-1-t">Daily attainment of &lt;script&gt;');
  });

  it("writes tags without duplicate attributes", () => {
    let checked = 0;
    for (const m of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/g)) {
      const names = [...(m[2] ?? "").matchAll(/\s*([\w:-]+)(?:="[^"]*")?/g)].map((a) => a[1]);
      expect(new Set(names).size, m[0].slice(0, 80)).toBe(names.length);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });
});
