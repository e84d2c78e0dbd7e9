/**
 * SnsNotifier with the real @aws-sdk/client-sns against a local HTTP endpoint that records the Query-protocol
 * request (form-encoded POST) and answers like SNS; and through fauxqs's SNS -> SQS fan-out.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ChatbotCustomNotification,
  type Notification,
  NotifyError,
  SNS_MAX_MESSAGE_BYTES,
  SnsNotifier,
  type SnsStructuredMessage,
} from "../../packages/core/src/notify/index.js";
import { type Fauxqs, startFauxqsServer } from "../helpers/fauxqs.js";
import { type CaptureServer, startCaptureServer, xml } from "./capture-server.js";

const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-alerts";
const SECRET = "wJalrXUtnFEMI-test-secret";

const publishOk = (id: string) =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>req-${id}</RequestId></ResponseMetadata></PublishResponse>`;
const snsError = (type: string, code: string, message: string) =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`;

const breach = (over: Partial<Notification> = {}): Notification => ({
  kind: "breach",
  severity: "critical",
  subject: "SLO missed: checkout — 99.80 % ≥ budget ✅\nsecond line",
  text: "SLO missed: checkout-availability (2026-10)\nService: checkout\nÜbersicht: 99.80 %\nReport: s3://sla/reports/monthly/2026-10/report.html\n",
  chat: {
    title: ":rotating_light: SLO missed: checkout-availability",
    description: "*99.80 %* vs objective *99.90 %*\nBudget: 150 % used",
    nextSteps: ["Open the report: s3://sla/reports/monthly/2026-10/report.html"],
    keywords: ["checkout"],
  },
  attributes: { slo: "checkout-availability", service: "checkout", target: "https://shop.example/health" },
  ...over,
});

/** The wire form of a captured Query-protocol request. */
function decodeForm(body: Buffer) {
  const form = new URLSearchParams(body.toString("utf8"));
  const attrs: Record<string, { type: string; value: string }> = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    attrs[form.get(`MessageAttributes.entry.${i}.Name`)!] = {
      type: form.get(`MessageAttributes.entry.${i}.Value.DataType`)!,
      value: form.get(`MessageAttributes.entry.${i}.Value.StringValue`)!,
    };
  }
  return { form, attrs };
}

const client = (url: string, maxAttempts = 2) =>
  new SNSClient({
    endpoint: url,
    region: "eu-central-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
    maxAttempts,
  });

describe("SnsNotifier on the wire", () => {
  let srv: CaptureServer;
  let reply: (n: number) => { status: number; body: string } = (n) => ({
    status: 200,
    body: publishOk(`m-${n}`),
  });
  beforeAll(async () => {
    srv = await startCaptureServer((_req, res, n) => {
      const r = reply(n);
      xml(res, r.status, r.body);
    });
  });
  afterAll(async () => {
    await srv?.close();
  });
  afterEach(() => {
    srv.requests.length = 0;
    reply = (n) => ({ status: 200, body: publishOk(`m-${n}`) });
  });

  it("publishes one json-structured message: plain email, Chatbot JSON elsewhere, attributes, clean subject", async () => {
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client(srv.url) });
    const msg = breach();
    const { id } = await notifier.publish(msg);
    expect(id).toBe("m-1");
    expect(srv.requests).toHaveLength(1);
    const req = srv.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/sns\/aws4_request/,
    );

    const { form, attrs } = decodeForm(req.body);
    expect(form.get("Action")).toBe("Publish");
    expect(form.get("Version")).toBe("2010-03-31");
    expect(form.get("TopicArn")).toBe(TOPIC);
    expect(form.get("MessageStructure")).toBe("json");
    expect(form.get("Subject")).toBe("SLO missed: checkout - 99.80 % >= budget second line");
    expect(form.get("Subject")).toMatch(/^[\x20-\x7e]{1,99}$/);

    const structured = JSON.parse(form.get("Message")!) as SnsStructuredMessage;
    expect(structured.email).toBe(msg.text); // plain text, UTF-8 preserved
    const chat = JSON.parse(structured.default) as ChatbotCustomNotification;
    expect(chat.version).toBe("1.0");
    expect(chat.source).toBe("custom");
    expect(chat.content).toEqual({
      textType: "client-markdown",
      title: msg.chat.title,
      description: msg.chat.description,
      nextSteps: msg.chat.nextSteps,
      keywords: msg.chat.keywords,
    });
    expect(chat.metadata.additionalContext).toEqual({
      kind: "breach",
      severity: "critical",
      ...msg.attributes,
    });
    // https/lambda subscribers (AWS Chatbot) get default: no key repeats it
    expect(Object.keys(structured).sort()).toEqual(["default", "email"]);

    expect(attrs).toEqual({
      kind: { type: "String", value: "breach" },
      severity: { type: "String", value: "critical" },
      slo: { type: "String", value: "checkout-availability" },
      service: { type: "String", value: "checkout" },
      target: { type: "String", value: "https://shop.example/health" },
    });
    expect(req.body.toString()).not.toContain(SECRET);
  });

  it("truncates a 256 KB+ email text to fit and still publishes", async () => {
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client(srv.url) });
    const big = `${"| checkout-availability | 99.95 % | met |\n".repeat(8000)}`; // ~344 KB
    expect(Buffer.byteLength(big)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
    await notifier.publish(
      breach({ kind: "report", severity: "info", text: big, reportUrl: "https://r.example/2026-10.html" }),
    );
    const { form, attrs } = decodeForm(srv.requests[0]!.body);
    const message = form.get("Message")!;
    const attrBytes = Object.entries(attrs).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + v.type.length + Buffer.byteLength(v.value),
      0,
    );
    expect(
      Buffer.byteLength(message) + Buffer.byteLength(form.get("Subject")!) + attrBytes,
    ).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const structured = JSON.parse(message) as SnsStructuredMessage;
    expect(
      structured.email.endsWith("... (truncated; full report at https://r.example/2026-10.html)\n"),
    ).toBe(true);
    expect(big.startsWith(structured.email.split("\n\n... (truncated")[0]!)).toBe(true);
    expect(structured.email.length).toBeGreaterThan(200_000); // kept as much as fits
    expect(attrs.truncated).toEqual({ type: "String", value: "true" });
    expect(JSON.parse(structured.default).content.title).toBe(breach().chat.title);
  });

  it("an SNS error names the topic and the code, without retrying client errors", async () => {
    reply = () => ({
      status: 400,
      body: snsError("Sender", "InvalidParameter", "Invalid parameter: Subject"),
    });
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client(srv.url) });
    const err = await notifier.publish(breach()).catch((e) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err.message).toContain(TOPIC);
    // SNS's own words are quoted (and cut): untrusted text in a message
    expect(err.message).toMatch(/InvalidParameter \(HTTP 400\): “Invalid parameter: Subject”/);
    expect(err.code).toBe("InvalidParameter");
    expect(err.destination).toBe(TOPIC);
    expect(srv.requests).toHaveLength(1);
  });

  it("a 500 is retried at most maxAttempts (2) times, then fails naming topic and code", async () => {
    reply = () => ({
      status: 500,
      body: snsError("Receiver", "InternalError", "We encountered an internal error"),
    });
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client(srv.url, 2) });
    const err = await notifier.publish(breach()).catch((e) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err.message).toMatch(
      /SNS Publish to arn:aws:sns:eu-central-1:123456789012:sla-alerts failed: InternalError \(HTTP 500\)/,
    );
    expect(err.status).toBe(500);
    expect(srv.requests).toHaveLength(2);
    expect(err.message).not.toContain(SECRET);
  });

  it("a retried 500 that then succeeds returns the id", async () => {
    reply = (n) =>
      n === 1
        ? { status: 500, body: snsError("Receiver", "InternalError", "boom") }
        : { status: 200, body: publishOk("late") };
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client(srv.url, 2) });
    expect(await notifier.publish(breach())).toEqual({ id: "late" });
    expect(srv.requests).toHaveLength(2);
  });

  it("rejects an invalid topic ARN up front", () => {
    expect(() => new SnsNotifier({ topicArn: "sla-alerts", client: client(srv.url) })).toThrow(
      /invalid SNS topic ARN/,
    );
  });
});

describe("SnsNotifier through fauxqs (SNS -> SQS, filter policies on attributes)", () => {
  let fx: Fauxqs;
  beforeAll(async () => {
    fx = await startFauxqsServer();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("delivers to subscribed queues; a severity filter policy sees the attributes", async () => {
    const topicArn = await fx.createTopic("sla-alerts");
    const all = await fx.createQueue("all");
    const pager = await fx.createQueue("pager");
    await fx.subscribeQueue(topicArn, all.arn);
    await fx.subscribeQueue(topicArn, pager.arn, {
      FilterPolicy: JSON.stringify({ severity: ["critical"] }),
    });
    const notifier = new SnsNotifier({ topicArn, client: fx.sns() });

    const r1 = await notifier.publish(breach());
    await notifier.publish(
      breach({ kind: "report", severity: "info", subject: "SLA report 2026-10: 3 met" }),
    );
    // a message near the limit is accepted by the emulator's own size check after truncation
    await notifier.publish(breach({ kind: "report", severity: "info", text: "x".repeat(400_000) }));

    const allMsgs = await fx.queueMessages("all");
    const pagerMsgs = await fx.queueMessages("pager");
    expect(allMsgs).toHaveLength(3);
    expect(pagerMsgs).toHaveLength(1);
    const envelope = JSON.parse(pagerMsgs[0]!.body) as {
      MessageId: string;
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
    expect(envelope.MessageId).toBe(r1.id);
    expect(envelope.Subject).toBe("SLO missed: checkout - 99.80 % >= budget second line");
    expect(envelope.MessageAttributes.severity).toEqual({ Type: "String", Value: "critical" });
    expect(envelope.MessageAttributes.slo).toEqual({ Type: "String", Value: "checkout-availability" });
    // fauxqs passes the json-structured Message through as is (real SNS would deliver the "default" body)
    const structured = JSON.parse(envelope.Message) as SnsStructuredMessage;
    expect(JSON.parse(structured.default).content.title).toBe(breach().chat.title);
  });
});
