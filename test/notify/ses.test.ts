/**
 * The report email by Amazon SES: what the real @aws-sdk/client-sesv2 puts on the wire (SendEmail, raw
 * content), captured by a local endpoint that answers like SES v2; the MIME message decoded part by part; the
 * size at 500 SLOs; once per report through the publish-once markers (a retry sends nothing, a failed send is
 * sent by the next run); locally, the email lands in the outbox as an .eml file; without SES nothing changes.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig, parseConfig } from "../../packages/core/src/config/index.js";
import { Scrubber } from "../../packages/core/src/config/redact.js";
import { SES_MAX_MESSAGE_BYTES, SesSender } from "../../packages/core/src/notify/index.js";
import { ReportEmailer } from "../../packages/core/src/report/email.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { createRuntime, reportDeps } from "../../packages/core/src/runtime.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import { reportWithSlos, sampleReport } from "../fixtures/report-sample.js";
import { parseMime } from "../helpers/mime.js";
import { CountingNotifier } from "../helpers/notifiers.js";
import { type CaptureServer, startCaptureServer } from "./capture-server.js";

const SES_CONFIG = {
  from: "sla@example.com",
  to: ["ops@example.com", "cto@example.com"],
  configurationSet: "sla-reports",
  subjectPrefix: "[SLA report]",
};
const LINKS = {
  html: "https://abc.lambda-url.eu-central-1.on.aws/s/1798761600/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/reports/monthly/2026-10/report.html",
  json: "https://abc.lambda-url.eu-central-1.on.aws/s/1798761600/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/reports/monthly/2026-10/report.json",
  portal:
    "https://abc.lambda-url.eu-central-1.on.aws/s/1798761600/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC/reports/index.html",
};
const NOW = new Date("2026-11-01T06:00:00+01:00");

let ses: CaptureServer;
let reply: (n: number) => { status: number; body: unknown; type?: string } = (n) => ({
  status: 200,
  body: { MessageId: `ses-${n}` },
});
beforeAll(async () => {
  ses = await startCaptureServer((_req, res, n) => {
    const r = reply(n);
    const body = JSON.stringify(r.body);
    res.writeHead(r.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      ...(r.type ? { "x-amzn-errortype": r.type } : {}),
    });
    res.end(body);
  });
});
afterAll(async () => {
  await ses?.close();
});
afterEach(() => {
  ses.requests.length = 0;
  reply = (n) => ({ status: 200, body: { MessageId: `ses-${n}` } });
});

const client = () =>
  new SESv2Client({
    endpoint: ses.url,
    region: "eu-central-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "ses-test-secret" },
    maxAttempts: 1,
  });
const emailer = (scrubber?: Scrubber) =>
  new ReportEmailer(SES_CONFIG, scrubber, new SesSender({ client: client() }));

/** the SendEmail request as SES receives it, and the MIME message inside */
function captured(i = 0) {
  const req = ses.requests[i]!;
  const body = JSON.parse(req.body.toString("utf8"));
  const raw = Buffer.from(body.Content.Raw.Data, "base64").toString("utf8");
  return { req, body, raw, mime: parseMime(raw) };
}

describe("SES SendEmail on the wire", () => {
  it("is a raw multipart/alternative message: text and HTML parts, signed links, filter headers, no SVG", async () => {
    const r = await emailer().sendReport(sampleReport(), LINKS, NOW);
    expect(r.id).toBe("ses-1");
    expect(ses.requests).toHaveLength(1);
    const { req, body, raw, mime } = captured();
    expect([req.method, req.url]).toEqual(["POST", "/v2/email/outbound-emails"]);
    expect(String(req.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d+\/eu-central-1\/ses\/aws4_request/,
    );
    expect(body.FromEmailAddress).toBe("sla@example.com");
    expect(body.Destination).toEqual({ ToAddresses: ["ops@example.com", "cto@example.com"] });
    expect(body.ConfigurationSetName).toBe("sla-reports");
    expect(body.EmailTags).toEqual([
      { Name: "kind", Value: "report" },
      { Name: "reportKind", Value: "monthly" },
      { Name: "period", Value: "2026-10" },
    ]);
    expect(mime.contentType).toMatch(/^multipart\/alternative; boundary=/);
    expect(mime.parts.map((p) => p.contentType)).toEqual([
      "text/plain; charset=UTF-8",
      "text/html; charset=UTF-8",
    ]);
    const [text, html] = mime.parts.map((p) => p.body) as [string, string];
    expect(html).not.toMatch(/<svg/i);
    expect(html).toContain("SLA report: October 2026");
    expect(text).toContain("SLA REPORT: October 2026");
    for (const link of Object.values(LINKS)) {
      expect(html).toContain(`href="${link}"`);
      expect(text).toContain(link);
    }
    expect(mime.subject).toBe("[SLA report] October 2026: 2 met, 1 missed, 1 unknown");
    expect(mime.headers["list-id"]).toBe("SLA reports <sla-reports.example.com>");
    expect(mime.headers["auto-submitted"]).toBe("auto-generated");
    expect(mime.headers["x-sla-report-status"]).toBe("missed");
    expect(mime.headers["x-sla-report-period"]).toBe("2026-10");
    expect(raw).toContain("\r\n\r\n");
  });

  it("at 500 SLOs stays far inside SES's limits (and the HTML under Gmail's clipping size)", async () => {
    const r = await emailer().sendReport(reportWithSlos(500), LINKS, NOW);
    const { raw, mime, req } = captured();
    const [text, html] = mime.parts.map((p) => p.body) as [string, string];
    expect(r.bytes).toBe(Buffer.byteLength(raw, "utf8"));
    expect(r.bytes).toBeLessThan(SES_MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(100 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100 * 1024);
    expect(html).not.toMatch(/<svg/i);
    expect(html).toMatch(/\d+ more SLOs .* in the full report/);
    expect(text).toMatch(/more SLOs? (are )?in the full report/);
    console.log(
      `[ses] 500 SLOs: MIME message ${r.bytes} bytes (HTML part ${Buffer.byteLength(html)}, text part ${Buffer.byteLength(text)}); SendEmail request body ${req.body.byteLength} bytes`,
    );
  });

  it("everything it sends passes the scrubber; an SES error names the sender and the code", async () => {
    const scrubber = new Scrubber();
    scrubber.add("s3cr3t-token-value");
    const doc = sampleReport();
    doc.slos[0]!.reason = "probe saw s3cr3t-token-value in a header";
    await emailer(scrubber).sendReport(doc, LINKS, NOW);
    expect(captured().raw).not.toContain("s3cr3t");
    expect(
      captured()
        .mime.parts.map((p) => p.body)
        .join("\n"),
    ).not.toContain("s3cr3t-token-value");
    reply = () => ({
      status: 400,
      type: "MessageRejected",
      body: {
        message: "Email address is not verified. The following identities failed the check: ops@example.com",
      },
    });
    await expect(emailer().sendReport(sampleReport(), LINKS, NOW)).rejects.toMatchObject({
      name: "NotifyError",
      destination: "ses:sla@example.com",
      code: "MessageRejected",
      message: expect.stringMatching(
        /SES SendEmail from sla@example.com failed: MessageRejected \(HTTP 400\): “Email address is not verified/,
      ),
    });
  });
});

describe("the report email in a report run", () => {
  const url = inject("prometheusUrl");
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "sla-ses-"));
    dirs.push(d);
    return d;
  };

  it("goes out once per report with the summary: a retry sends nothing; a failed send is sent by the next run", async () => {
    const config = await loadConfig(join(import.meta.dirname, "../report/fixture.config.yaml"));
    const dir = await tmp();
    const rt = await createRuntime(config, { outDir: dir, prometheusUrl: url });
    const notifier = new CountingNotifier();
    const input = {
      ...reportDeps(config, rt),
      notifier,
      store: new LocalObjectStore({ dir }),
      email: emailer(),
      window: monthWindow("2026-10", "Europe/Berlin"),
      notify: true,
      now: NOW,
    };
    reply = () => ({ status: 503, type: "ServiceUnavailable", body: { message: "try later" } });
    const failed = await runReport(input);
    expect(failed.error).toMatch(/email: SES SendEmail .* ServiceUnavailable/);
    expect(failed.published).toContain("summary"); // the SNS summary is not held back by the email
    expect(failed.published).not.toContain("email");
    reply = (n) => ({ status: 200, body: { MessageId: `ses-${n}` } });
    ses.requests.length = 0;
    const retry = await runReport(input);
    expect(retry.error).toBeUndefined();
    expect(retry.published).toEqual(["email"]);
    expect(ses.requests).toHaveLength(1);
    const marker = JSON.parse(await readFile(join(dir, "notifications/monthly/2026-10/email.json"), "utf8"));
    expect(marker).toMatchObject({ state: "sent", id: "ses-1", attempt: 2 });
    const again = await runReport(input);
    expect(again.published).toEqual([]);
    expect(again.alreadySent).toContain("email");
    expect(ses.requests).toHaveLength(1);
  });

  it("locally (no SNS topic) the email is the outbox's .eml; without notify.email.ses nothing changes", async () => {
    const text = await readFile(join(import.meta.dirname, "../report/fixture.config.yaml"), "utf8");
    const withSes = await parseConfig(
      `${text}\nnotify:\n  email:\n    ses: { from: sla@example.com, to: [ops@example.com] }\n`,
      { format: "yaml", source: "fixture+ses" },
    );
    const dir = await tmp();
    const rt = await createRuntime(withSes, { outDir: dir, prometheusUrl: url });
    const r = await runReport({
      ...reportDeps(withSes, rt),
      window: monthWindow("2026-10", "Europe/Berlin"),
      notify: true,
      now: NOW,
    });
    expect(r.published).toContain("email");
    const eml = (await readdir(join(dir, "outbox"))).filter((f) => f.endsWith(".eml"));
    expect(eml).toHaveLength(1);
    const mime = parseMime(await readFile(join(dir, "outbox", eml[0]!), "utf8"));
    expect(mime.subject).toMatch(/^\[SLA report\] October 2026: /);
    expect(mime.parts).toHaveLength(2);

    const plain = await loadConfig(join(import.meta.dirname, "../report/fixture.config.yaml"));
    const dir2 = await tmp();
    const rt2 = await createRuntime(plain, { outDir: dir2, prometheusUrl: url });
    expect(rt2.email).toBeUndefined();
    const r2 = await runReport({
      ...reportDeps(plain, rt2),
      window: monthWindow("2026-10", "Europe/Berlin"),
      notify: true,
      now: NOW,
    });
    expect(r2.published).not.toContain("email");
    expect((await readdir(join(dir2, "outbox"))).filter((f) => f.endsWith(".eml"))).toEqual([]);
    expect(await readdir(join(dir2, "notifications/monthly/2026-10"))).not.toContain("email.json");
  });
});
