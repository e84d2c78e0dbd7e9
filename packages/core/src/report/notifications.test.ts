/**
 * The notifications of a report with 500 SLOs, built as SnsNotifier would publish them: one SNS message each
 * (summary, breach digest) under the 256 KB limit without a blind cut, every SLO in the email table (or
 * counted in a "N more" line), the digest worst first. The 500 SLOs are the sample report's four cloned
 * with short names; every 4th is missed (125 breaches) with a budget overspend planted per SLO, plus three
 * warnings, so the expected order follows from what is planted.
 */
import { describe, expect, it } from "vitest";
import type { SnsStructuredMessage } from "../notify/index.js";
import { buildSnsPublishInput, SNS_MAX_MESSAGE_BYTES } from "../notify/index.js";
import type { Breach, ReportDocument, SloReport } from "./model.js";
import { breachDigest, summaryNotification } from "./notifications.js";
import { breachDetail } from "./render/explain.js";
import { LINKS, sampleReport } from "./render/test-helpers.js";

const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-monitor";
const N = 500;

/** SNS counts the message, the subject and every attribute's name, type and value. */
function snsBytes(input: ReturnType<typeof buildSnsPublishInput>): number {
  const attrs = Object.entries(input.MessageAttributes ?? {}).reduce(
    (a, [k, v]) =>
      a + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? "") + Buffer.byteLength(v.StringValue ?? ""),
    0,
  );
  return Buffer.byteLength(input.Message!) + Buffer.byteLength(input.Subject ?? "") + attrs;
}

/** The planted overspend of missed SLO i = 4k + 1: remaining = -1 - r/10 with r = (28k + 7) mod 125 (all distinct). */
const overspend = (i: number) => ((28 * ((i - 1) / 4) + 7) % 125) / 10;

function bigReport(): ReportDocument {
  const doc = sampleReport();
  const base = doc.slos;
  const slos: SloReport[] = Array.from({ length: N }, (_, i) => {
    const s = structuredClone(base[i % base.length]!);
    s.name = `${s.name.slice(0, 14)}-${String(i).padStart(3, "0")}`; // at most 18 characters: whole in the table
    if (s.status === "missed") {
      s.errorBudget.remaining = -1 - overspend(i);
      s.errorBudget.consumed = s.errorBudget.allowed * (2 + overspend(i));
    }
    return s;
  });
  const breaches: Breach[] = slos
    .filter((s) => s.status === "missed")
    .map((s) => {
      const b = { slo: s.name, service: s.service, kind: "missed", severity: "critical" } as const;
      return { ...b, detail: breachDetail(b, s) };
    });
  // three warnings on met SLOs, one with a budget more used than any critical one: still after them
  for (const i of [0, 4, 8]) {
    const s = slos[i]!;
    if (i === 0) s.errorBudget.remaining = -50;
    breaches.push({
      slo: s.name,
      service: s.service,
      kind: "fast-burn",
      severity: "warning",
      detail: "burning the error budget at 7.0x the sustainable rate",
    });
  }
  return {
    ...doc,
    slos,
    quantiles: [],
    breaches,
    summary: {
      total: N,
      met: slos.filter((s) => s.status === "met").length,
      missed: slos.filter((s) => s.status === "missed").length,
      unknown: slos.filter((s) => s.status === "unknown").length,
    },
  };
}

describe("a 500-SLO report as SNS messages", () => {
  const doc = bigReport();
  const missedIdx = Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 === 1);
  // worst first: the criticals by planted overspend, largest first; then the warnings (the one with the
  // most-used budget, slo 0, first; 4 and 8 have the same budget use: by name)
  const expectedOrder = [
    ...[...missedIdx].sort((a, b) => overspend(b) - overspend(a)).map((i) => doc.slos[i]!.name),
    ...[0, 4, 8].map((i) => doc.slos[i]!.name),
  ];

  it("the summary fits in one message: email first (breaches, table, details), every SLO in the table or counted", () => {
    const input = buildSnsPublishInput(summaryNotification(doc, LINKS.html), TOPIC);
    const size = snsBytes(input);
    const m = JSON.parse(input.Message!) as SnsStructuredMessage;
    console.log(
      `[notifications] 500-SLO summary: SNS message ${size} bytes (email ${Buffer.byteLength(m.email)}, ` +
        `default/chat ${Buffer.byteLength(m.default)})`,
    );
    expect(size).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    expect(input.MessageAttributes?.truncated).toBeUndefined(); // the budgets held: nothing cut blindly
    expect(Object.keys(m).sort()).toEqual(["default", "email"]);

    const email = m.email;
    const at = (h: string) => email.indexOf(`\n${h}\n`);
    expect(at("BREACHES")).toBeGreaterThan(0);
    expect(at("SLOS")).toBeGreaterThan(at("BREACHES"));
    expect(at("DETAILS")).toBeGreaterThan(at("SLOS"));
    // the table: one row per SLO, or the rest counted
    const table = email.slice(at("SLOS"), at("DETAILS")).split("\n");
    const rows = doc.slos.filter((s) => table.some((l) => l.startsWith(`${s.name} `)));
    const more = /^\.\.\. (\d+) more SLOs in the full report$/.exec(
      table.find((l) => l.startsWith("...")) ?? "",
    );
    expect(rows.length + Number(more?.[1] ?? 0)).toBe(N);
    expect(rows).toHaveLength(N); // 500 rows of 80 columns (about 40 KB) fit the email budget
    // the details that do not fit are counted, and the link to the full report is always there
    const details = email.slice(at("DETAILS"));
    const shown = doc.slos.filter((s) => details.includes(`\n${s.name}: `)).length;
    const notShown = /Details of (\d+) more SLOs are in the full report\./.exec(details);
    expect(shown).toBeGreaterThan(0);
    expect(shown + Number(notShown?.[1] ?? 0)).toBe(N);
    expect(email).toContain(LINKS.html);
    // all 128 breaches listed in the email's BREACHES section
    const breachLines = email.slice(at("BREACHES"), at("SLOS"));
    for (const b of doc.breaches) expect(breachLines).toContain(`${b.slo} (${b.service})`);
    // chat: a short list within its budget, the rest counted
    const chat = JSON.parse(m.default) as { content: { description: string } };
    const listed = chat.content.description.split("\n").filter((l) => /^[✅❌❔] /.test(l)).length;
    const chatMore = /_… (\d+) more SLOs in the full report_/.exec(chat.content.description);
    expect(listed + Number(chatMore?.[1] ?? 0)).toBe(N);
  });

  it("the breaches go out as one digest, worst first, in one message", () => {
    const msg = breachDigest(doc, doc.breaches, LINKS.html);
    const input = buildSnsPublishInput(msg, TOPIC);
    const size = snsBytes(input);
    const m = JSON.parse(input.Message!) as SnsStructuredMessage;
    console.log(
      `[notifications] 500-SLO digest (${doc.breaches.length} breaches): SNS message ${size} bytes ` +
        `(email ${Buffer.byteLength(m.email)}, default/chat ${Buffer.byteLength(m.default)})`,
    );
    expect(size).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    expect(input.MessageAttributes?.truncated).toBeUndefined();
    expect(msg.kind).toBe("breach");
    expect(msg.severity).toBe("critical");
    expect(input.Subject).toBe(`128 SLO breaches (2026-10), worst: ${expectedOrder[0]} missed`);
    // the email lists every breach, numbered, worst first
    const listed = [...m.email.matchAll(/^ *(\d+)\. (CRITICAL|WARNING) +(\S+) \(/gm)].map((x) => [
      Number(x[1]),
      x[3],
    ]);
    expect(listed).toEqual(expectedOrder.map((name, i) => [i + 1, name]));
    expect(m.email).toMatch(/^128 breaches, worst first\./m);
    // chat: worst first too, as many as its budget holds, the rest counted
    const chat = (JSON.parse(m.default) as { content: { description: string } }).content.description;
    const chatNames = [...chat.matchAll(/^\d+\. \S+ (\S+) \(/gmu)].map((x) => x[1]);
    expect(chatNames).toEqual(expectedOrder.slice(0, chatNames.length));
    const chatMore = /_… (\d+) more breaches in the full report_/.exec(chat);
    expect(chatNames.length + Number(chatMore?.[1] ?? 0)).toBe(expectedOrder.length);
    // subscription filters on slo / service still match: every SLO and service is listed
    const slo = JSON.parse(input.MessageAttributes!.slo!.StringValue!) as string[];
    expect(input.MessageAttributes!.slo!.DataType).toBe("String.Array");
    expect([...slo].sort()).toEqual([...new Set(expectedOrder)].sort());
  });
});
