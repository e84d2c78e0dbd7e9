import { describe, expect, it } from "vitest";
import { reportWithSlos } from "../../../../../test/fixtures/report-sample.js";
import { EMAIL_HTML_MAX_BYTES, renderEmailHtml } from "./email.js";
import { hostileReport, LINKS, sampleReport, XSS_NAME } from "./test-helpers.js";

const PORTAL = "https://abc.lambda-url.eu-central-1.on.aws/s/1798761600/sig/reports/index.html";

describe("renderEmailHtml", () => {
  const html = renderEmailHtml(sampleReport(), { links: { ...LINKS, portal: PORTAL } });

  it("is email-safe: tables and inline styles, no SVG, no images, no scripts, no <style>", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<svg|<img|<script|<style|\son[a-z]+\s*=|<link|<iframe/i);
    expect(html).toMatch(/<table role="presentation"/);
  });

  it("links the report, its JSON and the portal; an s3:// location is shown as text, not a link", () => {
    expect(html).toContain(`<a href="${LINKS.html}"`);
    expect(html).toContain(`<a href="${LINKS.json}"`);
    expect(html).toContain(`<a href="${PORTAL}"`);
    const s3 = renderEmailHtml(sampleReport(), {
      links: { html: "s3://bucket/reports/monthly/2026-10/report.html" },
    });
    expect(s3).not.toContain('href="s3://');
    expect(s3).toContain("s3://bucket/reports/monthly/2026-10/report.html");
  });

  it("lists the SLOs worst first with a table-cell budget bar and a strip of days", () => {
    const order = [...html.matchAll(/<tr><td [^>]*><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    expect(order).toEqual([
      "checkout-availability",
      "status-page-availability",
      "checkout-api-success",
      "api-availability",
    ]);
    // the overspent budget is one red bar; a budget partly used is green then grey
    expect(html).toContain('<td width="120" bgcolor="#cf222e"></td>');
    expect(html).toMatch(/<td width="\d+" bgcolor="#1a7f37"><\/td><td width="\d+" bgcolor="#e6e9ed"><\/td>/);
    expect(html).toMatch(/<td bgcolor="#cf222e" style="[^"]*">MISSED<\/td>/);
    expect(html).toMatch(/\d+ days? below/);
  });

  it("escapes every text from the document", () => {
    const bad = renderEmailHtml(hostileReport(), { links: LINKS });
    expect(bad).not.toContain(XSS_NAME);
    expect(bad).not.toMatch(/<script|<img|<b>co/);
    expect(bad).toContain("&lt;script&gt;");
  });

  it("stays under Gmail's clipping size at 500 SLOs: the worst kept whole, the rest one line, the links kept", () => {
    const big = renderEmailHtml(reportWithSlos(500), { links: { ...LINKS, portal: PORTAL } });
    const bytes = Buffer.byteLength(big, "utf8");
    expect(bytes).toBeLessThanOrEqual(EMAIL_HTML_MAX_BYTES);
    const rows = [...big.matchAll(/<tr><td [^>]*><strong>/g)].length;
    const more = /(\d+) more SLOs \(the ones with the most budget left\) in the full report\./.exec(big);
    expect(rows + Number(more?.[1])).toBe(500);
    // the sample's missed SLOs miss every other day (one strip cell a day): about 1.9 KB a row
    expect(rows).toBeGreaterThan(40);
    // the worst are the ones kept: 125 of the 500 missed, so every row shown is a missed one
    expect([...big.matchAll(/>(MISSED|UNKNOWN|MET)<\/td>/g)].every((m) => m[1] === "MISSED")).toBe(true);
    expect(big).toContain(`<a href="${PORTAL}"`);
    expect(big.trimEnd().endsWith("</html>")).toBe(true);
    console.log(
      `[email] HTML part at 500 SLOs: ${bytes} bytes, ${rows} SLO rows, ${500 - rows} in the "more" line`,
    );
  });
});
