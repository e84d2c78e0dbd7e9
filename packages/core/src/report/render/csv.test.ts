import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, renderCsv } from "./csv.js";
import { parseCsv, sampleReport } from "./test-helpers.js";

describe("renderCsv", () => {
  const csv = renderCsv(sampleReport());
  const rows = parseCsv(csv);

  it("has a header and one row per SLO, CRLF line ends", () => {
    expect(csv.split("\r\n")[0]).toBe(
      "period,kind,window_start,window_end,time_zone,slo,service,sli_type,objective,attainment,status,budget_unit," +
        "budget_allowed,budget_consumed,budget_remaining,downtime_minutes,coverage,burn_rate,incidents," +
        "maintenance_minutes,reason",
    );
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.replace(/\r\n/g, "")).not.toMatch(/\n/);
    expect(rows).toHaveLength(5);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
  });

  it("writes the figures as numbers, negative remaining included", () => {
    const rec = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[2]![i]]));
    expect(rec).toMatchObject({
      period: "2026-10",
      kind: "monthly",
      window_start: "2026-10-01T00:00:00.000+02:00",
      window_end: "2026-11-01T00:00:00.000+01:00",
      time_zone: "Europe/Berlin",
      slo: "checkout-availability",
      objective: "0.999",
      attainment: "0.997879",
      status: "missed",
      budget_unit: "minutes",
      budget_allowed: "44.7",
      budget_consumed: "94.8",
      budget_remaining: "-1.120805",
      downtime_minutes: "94.8",
      burn_rate: "2.1208",
      incidents: "4",
      maintenance_minutes: "0",
      reason: "",
    });
    const unknown = rows[3]!;
    expect(unknown[CSV_COLUMNS.indexOf("attainment")]).toBe("");
    expect(unknown[CSV_COLUMNS.indexOf("budget_remaining")]).toBe("");
    expect(unknown[CSV_COLUMNS.indexOf("status")]).toBe("unknown");
    expect(unknown[CSV_COLUMNS.indexOf("reason")]).toContain("data covers only 41.9 %");
    expect(rows[4]![CSV_COLUMNS.indexOf("budget_unit")]).toBe("requests");
    expect(rows[4]![CSV_COLUMNS.indexOf("incidents")]).toBe("");
    expect(csv).toContain(",-1.120805,");
    expect(csv).not.toContain("'-1.12");
  });

  it("quotes commas, quotes and newlines (RFC 4180)", () => {
    const doc = sampleReport();
    doc.slos[0]!.name = 'Checkout "EU", web';
    doc.slos[0]!.reason = "line one\r\nline two";
    const out = renderCsv(doc);
    expect(out).toContain(',"Checkout ""EU"", web",');
    expect(out).toContain(',"line one\r\nline two"\r\n');
    const r = parseCsv(out);
    expect(r).toHaveLength(5);
    expect(r[1]![CSV_COLUMNS.indexOf("slo")]).toBe('Checkout "EU", web');
    expect(r[1]![CSV_COLUMNS.indexOf("reason")]).toBe("line one\r\nline two");
  });

  it("neutralises spreadsheet formulas in text cells", () => {
    const doc = sampleReport();
    doc.slos[0]!.name = "=cmd|' /C calc'!A0";
    doc.slos[1]!.service = "+SUM(A1:A9)";
    doc.slos[2]!.reason = "-2+3";
    doc.slos[3]!.name = "@evil";
    const r = parseCsv(renderCsv(doc));
    expect(r[1]![CSV_COLUMNS.indexOf("slo")]).toBe("'=cmd|' /C calc'!A0");
    expect(r[2]![CSV_COLUMNS.indexOf("service")]).toBe("'+SUM(A1:A9)");
    expect(r[3]![CSV_COLUMNS.indexOf("reason")]).toBe("'-2+3");
    expect(r[4]![CSV_COLUMNS.indexOf("slo")]).toBe("'@evil");
    expect(r[2]![CSV_COLUMNS.indexOf("budget_remaining")]).toBe("-1.120805");
  });

  it("neutralises the full-width formula characters spreadsheets fold to = + - @", () => {
    const doc = sampleReport();
    doc.slos[0]!.name = "\uFF1DHYPERLINK(1)";
    doc.slos[1]!.service = "\uFF0B1";
    doc.slos[2]!.reason = "\uFF0D1";
    doc.slos[3]!.name = "\uFF20x";
    const r = parseCsv(renderCsv(doc));
    expect(r[1]![CSV_COLUMNS.indexOf("slo")]).toBe("'\uFF1DHYPERLINK(1)");
    expect(r[2]![CSV_COLUMNS.indexOf("service")]).toBe("'\uFF0B1");
    expect(r[3]![CSV_COLUMNS.indexOf("reason")]).toBe("'\uFF0D1");
    expect(r[4]![CSV_COLUMNS.indexOf("slo")]).toBe("'\uFF20x");
  });
});
