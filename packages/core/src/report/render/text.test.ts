import { describe, expect, it } from "vitest";
import { hostileReport, LINKS, sampleReport } from "./test-helpers.js";
import { renderText, TEXT_WIDTH, truncate, wrap } from "./text.js";

const width = (l: string) => [...l].length;

describe("renderText", () => {
  const text = renderText(sampleReport(), { links: LINKS });
  const lines = text.split("\n");

  it("keeps every line within 80 columns", () => {
    expect(text.endsWith("\n")).toBe(true);
    for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(TEXT_WIDTH);
    const doc = hostileReport();
    doc.slos[0]!.name = `very-long-slo-name-${"x".repeat(120)}`;
    doc.slos[0]!.reason = `${"word ".repeat(60)}${"y".repeat(200)}`;
    doc.breaches[0]!.detail = "z".repeat(300);
    for (const l of renderText(doc).split("\n")) expect(width(l), l).toBeLessThanOrEqual(TEXT_WIDTH);
  });

  it("has status words, breaches first and the fixed-width SLO table", () => {
    expect(text).toContain("MISSED");
    expect(text).toContain("MET");
    expect(text).toContain("UNKNOWN");
    expect(text.indexOf("BREACHES")).toBeLessThan(text.indexOf("\nSLOS\n"));
    expect(text).toContain("  CRITICAL  checkout-availability (checkout): missed, attainment 99.788 % below");
    expect(lines).toContain("SLO                    Service      Objective Attainment Status    Budget left");
    expect(lines).toContain("checkout-availability  checkout        99.9 %   99.788 % MISSED       -112.1 %");
    expect(lines).toContain("status-page-availabil… status-page    99.95 %    no data UNKNOWN           n/a");
    expect(text).toContain("Summary: 2 met, 1 missed, 1 unknown (4 SLOs)");
  });

  it("gives the numbers that matter and the top 3 incidents", () => {
    expect(text).toContain("  Attainment:   99.788 % (objective 99.9 %)");
    expect(text).toContain("  Error budget: allowed 44.7 min, consumed 1 h 35 min, remaining -112.1 %\n");
    expect(text).toContain("(overspent by 112.1 %)");
    expect(text).toContain("  Downtime:     1 h 35 min");
    expect(text).toContain("  Incidents:    4, largest 3:");
    expect(text).toContain("        48 min  2026-10-07 13:12 +02:00 to 14:00 +02:00");
    expect(text).toContain("        15 min  2026-10-25 02:50 +02:00 to 02:05 +01:00");
    expect(text).not.toContain("22:14"); // the fourth, smallest incident
    expect(text).toContain("allowed 63,511 requests, consumed 33,145 requests");
    expect(text).toContain("Why unknown:  data covers only 41.9 % of the window");
  });

  it("ends with the links to the full report", () => {
    const tail = lines.filter((l) => l !== "").slice(-3);
    expect(tail).toEqual([
      "FULL REPORT (where the complete report lives)",
      `  HTML: ${LINKS.html}`,
      `  JSON: ${LINKS.json}`,
    ]);
    expect(renderText(sampleReport())).not.toContain("FULL REPORT");
  });

  it("never breaks a long link", () => {
    const url = `https://bucket.s3.eu-central-1.amazonaws.com/reports/monthly/2026-10/all.html?X-Amz-Signature=${"a".repeat(64)}`;
    const out = renderText(sampleReport(), { links: { html: url } }).split("\n");
    expect(out).toContain(url);
    expect(out).toContain("  HTML:");
  });
});

describe("wrap and truncate", () => {
  it("wraps words with a hanging indent and breaks words longer than a line", () => {
    expect(wrap("aaa bbb ccc", "> ", "  ", 9)).toEqual(["> aaa bbb", "  ccc"]);
    expect(wrap("x".repeat(12), "", "", 5)).toEqual(["xxxxx", "xxxxx", "xx"]);
    expect(wrap("used 107.4 % of it", "", "", 11)).toEqual(["used", "107.4 % of", "it"]);
  });

  it("truncates with an ellipsis", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abcd", 4)).toBe("abcd");
    expect(truncate("a\nb", 4)).toBe("a b");
  });
});
