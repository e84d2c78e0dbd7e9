import { describe, expect, it } from "vitest";
import {
  buildSnsPublishInput,
  type ChatbotCustomNotification,
  parseTopicArn,
  SNS_MAX_MESSAGE_BYTES,
  type SnsStructuredMessage,
  sanitizeAttributeName,
  sanitizeSubject,
} from "./sns.js";
import type { Notification } from "./types.js";

const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-alerts";

const breach = (over: Partial<Notification> = {}): Notification => ({
  kind: "breach",
  severity: "critical",
  subject: "SLO missed: checkout-availability",
  text: "SLO missed: checkout-availability (2026-10)\nService: checkout\nReport: https://example.com/r.html\n",
  chat: {
    title: "SLO missed: checkout-availability",
    description: "*99.80 %* vs objective 99.90 %",
    nextSteps: ["Report: https://example.com/r.html"],
    keywords: ["checkout", "slo"],
  },
  attributes: { slo: "checkout-availability", service: "checkout", period: "2026-10" },
  ...over,
});

const decode = (input: ReturnType<typeof buildSnsPublishInput>) => {
  const m = JSON.parse(input.Message!) as SnsStructuredMessage;
  return { m, chat: JSON.parse(m.default) as ChatbotCustomNotification };
};

const attrBytes = (input: ReturnType<typeof buildSnsPublishInput>) =>
  Object.entries(input.MessageAttributes ?? {}).reduce(
    (n, [k, v]) =>
      n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? "") + Buffer.byteLength(v.StringValue ?? ""),
    0,
  );

describe("buildSnsPublishInput", () => {
  it("builds a json-structured publish: plain email text, Chatbot JSON once, under default (https/lambda fall back to it)", () => {
    const input = buildSnsPublishInput(breach(), TOPIC);
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe("json");
    expect(input.Subject).toBe("SLO missed: checkout-availability");
    const { m, chat } = decode(input);
    // keys that would repeat default are left out: SNS gives default to every protocol without its own key
    expect(Object.keys(m).sort()).toEqual(["default", "email"]);
    expect(m.email).toBe(breach().text);
    expect(chat).toEqual({
      version: "1.0",
      source: "custom",
      content: {
        textType: "client-markdown",
        title: "SLO missed: checkout-availability",
        description: "*99.80 %* vs objective 99.90 %",
        nextSteps: ["Report: https://example.com/r.html"],
        keywords: ["checkout", "slo"],
      },
      metadata: {
        summary: "SLO missed: checkout-availability",
        eventType: "sla-monitor.breach",
        additionalContext: {
          kind: "breach",
          severity: "critical",
          slo: "checkout-availability",
          service: "checkout",
          period: "2026-10",
        },
      },
    });
    expect(input.MessageAttributes).toEqual({
      slo: { DataType: "String", StringValue: "checkout-availability" },
      service: { DataType: "String", StringValue: "checkout" },
      period: { DataType: "String", StringValue: "2026-10" },
      kind: { DataType: "String", StringValue: "breach" },
      severity: { DataType: "String", StringValue: "critical" },
    });
    expect(input.MessageGroupId).toBeUndefined();
    expect(input.MessageDeduplicationId).toBeUndefined();
  });

  it("omits empty optional chat fields, keeps id/threadId when given", () => {
    const input = buildSnsPublishInput(
      breach({
        dedupeKey: "breach/2026-10/x",
        chat: { title: "t", description: "d", nextSteps: [], threadId: "slo-x" },
      }),
      TOPIC,
    );
    const { chat } = decode(input);
    expect(chat.content).toEqual({ textType: "client-markdown", title: "t", description: "d" });
    expect(chat.id).toBe("breach/2026-10/x");
    expect(chat.metadata.threadId).toBe("slo-x");
  });

  it("kind and severity attributes cannot be overridden; empty values are dropped; names are sanitised", () => {
    const input = buildSnsPublishInput(
      breach({
        attributes: {
          kind: "report",
          severity: "info",
          empty: "",
          "target url": "https://x",
          "AWS.trace": "1",
        },
      }),
      TOPIC,
    );
    const a = input.MessageAttributes!;
    expect(a.kind?.StringValue).toBe("breach");
    expect(a.severity?.StringValue).toBe("critical");
    expect(a.empty).toBeUndefined();
    expect(a.target_url?.StringValue).toBe("https://x");
    expect(a["x-AWS.trace"]?.StringValue).toBe("1");
  });

  it("sets MessageGroupId and a stable MessageDeduplicationId for FIFO topics", () => {
    const fifo = "arn:aws:sns:eu-central-1:123456789012:sla-alerts.fifo";
    const a = buildSnsPublishInput(breach({ dedupeKey: "k1" }), fifo);
    const b = buildSnsPublishInput(breach({ dedupeKey: "k1", text: "other" }), fifo);
    const c = buildSnsPublishInput(breach({ dedupeKey: "k2" }), fifo);
    expect(a.MessageGroupId).toBe("checkout-availability");
    expect(a.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(b.MessageDeduplicationId).toBe(a.MessageDeduplicationId);
    expect(c.MessageDeduplicationId).not.toBe(a.MessageDeduplicationId);
  });

  it("shortens the email text to fit the limit and points at the report", () => {
    const text = `${"line of the monthly report with numbers 99.95 %\n".repeat(200)}Full report: s3://bucket/reports/monthly/2026-10/report.html\n`;
    const maxBytes = 4000;
    const input = buildSnsPublishInput(breach({ text }), TOPIC, { maxBytes });
    const { m, chat } = decode(input);
    expect(
      Buffer.byteLength(input.Message!) + Buffer.byteLength(input.Subject!) + attrBytes(input),
    ).toBeLessThanOrEqual(maxBytes);
    expect(m.email.length).toBeLessThan(text.length);
    expect(text.startsWith(m.email.split("\n\n... (truncated")[0]!)).toBe(true);
    // the nextSteps link wins over the link at the (cut) end of the text
    expect(m.email).toMatch(/\(truncated; full report at https:\/\/example\.com\/r\.html\)\n$/);
    expect(chat.content.description).toBe(breach().chat.description);
    expect(input.MessageAttributes!.truncated?.StringValue).toBe("true");
  });

  it("prefers reportUrl, and fills the budget closely (binary search, not a blind cut)", () => {
    const text = "é".repeat(150_000); // 2 bytes each in UTF-8: 300 000 bytes
    const input = buildSnsPublishInput(breach({ text, reportUrl: "s3://b/r.html" }), TOPIC);
    const { m } = decode(input);
    const total = Buffer.byteLength(input.Message!) + Buffer.byteLength(input.Subject!) + attrBytes(input);
    expect(total).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(total).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES - 8);
    expect(m.email).toContain("(truncated; full report at s3://b/r.html)");
  });

  it("shortens the chat description when the text alone cannot make it fit", () => {
    const input = buildSnsPublishInput(
      breach({
        chat: { title: "t", description: "x".repeat(5000) },
        text: "short",
        reportUrl: "https://example.com/r.html",
      }),
      TOPIC,
      { maxBytes: 3000 },
    );
    const { m, chat } = decode(input);
    expect(Buffer.byteLength(input.Message!)).toBeLessThanOrEqual(3000);
    expect(chat.content.description).toMatch(
      /^x+\n\n_\(truncated; full report at https:\/\/example\.com\/r\.html\)_$/,
    );
    expect(m.email).toContain("(truncated; full report at");
  });

  it("fails clearly when even the skeleton does not fit", () => {
    expect(() =>
      buildSnsPublishInput(breach({ chat: { title: "t".repeat(5000), description: "d" } }), TOPIC, {
        maxBytes: 2000,
      }),
    ).toThrow(/does not fit in 2000 bytes.*sla-alerts|sla-alerts.*does not fit in 2000 bytes/);
  });

  it("does not split a surrogate pair when cutting", () => {
    const text = "😀".repeat(5000);
    const { m } = decode(buildSnsPublishInput(breach({ text }), TOPIC, { maxBytes: 3000 }));
    const kept = m.email.split("\n\n... (truncated")[0]!;
    expect(kept.length % 2).toBe(0);
    expect(kept).toBe("😀".repeat(kept.length / 2));
  });
});

describe("sanitizeSubject", () => {
  it("folds to one ASCII line under 100 characters", () => {
    expect(sanitizeSubject("SLO missed: café — p99 ≥ 500 ms ✅\nsecond\tline")).toBe(
      "SLO missed: cafe - p99 >= 500 ms second line",
    );
    const long = sanitizeSubject(`SLA report ${"x".repeat(300)}`);
    expect(long.length).toBe(99);
    expect(long.endsWith("...")).toBe(true);
    expect(sanitizeSubject("\n ✅ \u0007")).toBe("sla-monitor notification");
    for (const s of [long, sanitizeSubject("Ünïcödé “quotes” – ok")]) expect(s).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe("sanitizeAttributeName / parseTopicArn", () => {
  it("sanitises attribute names", () => {
    expect(sanitizeAttributeName("slo")).toBe("slo");
    expect(sanitizeAttributeName(".a..b.")).toBe("a.b");
    expect(sanitizeAttributeName("amazon.x")).toBe("x-amazon.x");
    expect(sanitizeAttributeName("é")).toBe("_");
  });

  it("parses topic ARNs and names a bad one", () => {
    expect(parseTopicArn(TOPIC)).toEqual({
      partition: "aws",
      region: "eu-central-1",
      account: "123456789012",
      name: "sla-alerts",
    });
    expect(() => parseTopicArn("sla-alerts")).toThrow(/invalid SNS topic ARN "sla-alerts"/);
  });
});
