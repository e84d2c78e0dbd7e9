import { describe, expect, it } from "vitest";
import { renderAll, renderCsv, renderHtml, renderJson, renderMarkdown, renderText } from "./index.js";
import { LINKS, sampleReport } from "./test-helpers.js";

describe("renderAll", () => {
  it("renders every format, keyed by file name", () => {
    const doc = sampleReport();
    const all = renderAll(doc, { links: LINKS });
    expect(Object.keys(all)).toEqual(["report.json", "report.html", "report.md", "report.txt", "report.csv"]);
    expect(all["report.json"]).toBe(renderJson(doc));
    expect(all["report.html"]).toBe(renderHtml(doc, { links: LINKS }));
    expect(all["report.md"]).toBe(renderMarkdown(doc, { links: LINKS }));
    expect(all["report.txt"]).toBe(renderText(doc, { links: LINKS }));
    expect(all["report.csv"]).toBe(renderCsv(doc));
    expect(all["report.txt"]).toContain(`JSON: ${LINKS.json}`);
  });

  it("does not modify the document", () => {
    const doc = sampleReport();
    renderAll(doc, { links: LINKS });
    expect(doc).toEqual(sampleReport());
  });

  it("renders a report without SLOs", () => {
    const doc = {
      ...sampleReport(),
      slos: [],
      quantiles: [],
      breaches: [],
      summary: { total: 0, met: 0, missed: 0, unknown: 0 },
    };
    const all = renderAll(doc);
    expect(all["report.csv"].split("\r\n")).toHaveLength(2);
    expect(all["report.html"]).toContain("No SLOs in this report.");
    expect(all["report.txt"]).toContain("Summary: 0 met, 0 missed, 0 unknown (0 SLOs)");
  });
});
