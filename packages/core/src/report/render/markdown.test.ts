import { describe, expect, it } from "vitest";
import { escapeMarkdown, renderMarkdown } from "./markdown.js";
import { hostileReport, LINKS, sampleReport } from "./test-helpers.js";

/** cells of a table row, splitting only on unescaped pipes */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe("renderMarkdown", () => {
  const md = renderMarkdown(sampleReport(), { links: LINKS });

  it("has the summary table and a section per SLO", () => {
    expect(md.startsWith("# SLA report: October 2026\n")).toBe(true);
    expect(md).toContain("**Summary:** 2 met, 1 missed, 1 unknown (4 SLOs)");
    expect(md).toContain(
      "| checkout-availability | checkout | 99.9 % | 99.788 % | **MISSED** | -112.1 % (overspent by 112.1 %) | 1 h 35 min | 99.98 % | 2.12x |",
    );
    expect(md).toContain(
      "| status-page-availability | status-page | 99.95 % | no data | **UNKNOWN** | n/a | n/a | 41.88 % | n/a |",
    );
    for (const name of [
      "api-availability: MET",
      "checkout-availability: MISSED",
      "status-page-availability: UNKNOWN",
    ]) {
      expect(md).toContain(`## ${name}\n`);
    }
    expect(md).toContain("| 2026-10-25 02:50 +02:00 | 02:05 +01:00 | 15 min |");
    expect(md).toContain("### Action items");
    expect(md).toContain("| p99 | 1.232 s | 1 s | **MISSED** |");
    expect(md).toContain(`- Full report (HTML): <${LINKS.html}>`);
  });

  it("lists only the days below the objective", () => {
    const section = md.slice(
      md.indexOf("## checkout-availability"),
      md.indexOf("## status-page-availability"),
    );
    const days = section.slice(section.indexOf("### Days below objective"));
    expect(days).toContain("| 2026-10-07 | 96.667 % | 48 min |");
    expect(days).toContain("| 2026-10-28 | 99.875 % | 1.8 min |");
    expect(days).not.toContain("2026-10-08");
  });

  it("escapes pipes and other metacharacters in cell text", () => {
    const doc = hostileReport();
    doc.slos[0]!.name = "a|b *bold* _x_ [link](http://e) `code`";
    const out = renderMarkdown(doc);
    const row = out.split("\n").find((l) => l.startsWith("| a\\|b"));
    expect(row).toBe(
      "| a\\|b \\*bold\\* \\_x\\_ \\[link\\](http://e) \\`code\\` | api | 99.9 % | 99.968 % | **MET** | 67.5 % | 14.5 min | 99.95 % | 0.32x |",
    );
    expect(cells(row!)).toHaveLength(9);
    expect(out).toContain("\\<script\\>alert(1)\\</script\\>");
    expect(out).not.toContain("<script>");
    expect(out).not.toMatch(/(?<!\\)<img/);
    expect(out).toContain("\\<img src=x onerror=alert(2)\\>");
    // every row of every table has as many cells as its header
    const lines = out.split("\n");
    let columns = 0;
    let rowsChecked = 0;
    lines.forEach((l, i) => {
      if (!l.startsWith("|")) {
        columns = 0;
        return;
      }
      if (columns === 0 && lines[i + 1]?.startsWith("| ---")) columns = cells(l).length;
      expect(cells(l), l).toHaveLength(columns);
      rowsChecked++;
    });
    expect(rowsChecked).toBeGreaterThan(20);
  });

  it("fences queries with a fence longer than any backtick run", () => {
    const doc = sampleReport();
    doc.slos[3]!.queries = ["up ``` weird"];
    const out = renderMarkdown(doc);
    expect(out).toContain("````promql\nup ``` weird\n````");
  });

  it("escapes line-start markers", () => {
    expect(escapeMarkdown("# not a heading")).toBe("\\# not a heading");
    expect(escapeMarkdown("- not a list")).toBe("\\- not a list");
    expect(escapeMarkdown("1. not a list")).toBe("1\\. not a list");
    expect(escapeMarkdown("a\nb")).toBe("a b");
  });
});
