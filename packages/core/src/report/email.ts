/**
 * The report summary as an HTML email by Amazon SES (`notify.email.ses`): the email-safe HTML body
 * (render/email.ts), the 80-column text as the plain alternative, the signed links in both, and headers mail
 * filters can use (a subject prefix, `List-Id`, `Auto-Submitted`, `X-SLA-Report-*`). Sent with the summary,
 * once per report through the publish-once markers (run.ts). Everything it sends passes the scrubber.
 */
import type { Scrubber } from "../config/redact.js";
import type { SesEmailConfig } from "../config/schema.js";
import { buildMime } from "../notify/mime.js";
import { type EmailSender, SesSender } from "../notify/ses.js";
import type { ReportDocument } from "./model.js";
import { renderEmailHtml } from "./render/email.js";
import { renderSummaryLine, renderText } from "./render/index.js";

/** The plain-text alternative's budget (the HTML part has its own, `EMAIL_HTML_MAX_BYTES`). */
export const EMAIL_TEXT_MAX_BYTES = 100 * 1024;

export interface EmailLinks {
  html: string;
  json?: string;
  portal?: string;
}

/** The whole message for one report (pure): subject, MIME text, and what it was built from. */
export function reportEmail(
  doc: ReportDocument,
  links: EmailLinks,
  cfg: Pick<SesEmailConfig, "from" | "to" | "subjectPrefix">,
  now: Date,
  scrub: (s: string) => string = (s) => s,
): { subject: string; raw: string; html: string; text: string } {
  const subject = scrub(`${cfg.subjectPrefix ? `${cfg.subjectPrefix} ` : ""}${renderSummaryLine(doc)}`);
  const html = scrub(renderEmailHtml(doc, { links }));
  const text = scrub(renderText(doc, { links, maxBytes: EMAIL_TEXT_MAX_BYTES }));
  const worst = doc.summary.missed > 0 ? "missed" : doc.summary.unknown > 0 ? "unknown" : "met";
  const domain = cfg.from.slice(cfg.from.lastIndexOf("@") + 1);
  const raw = buildMime({
    from: cfg.from,
    to: cfg.to,
    subject,
    text,
    html,
    date: now,
    headers: {
      "List-Id": `SLA reports <sla-reports.${domain}>`,
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "All",
      Precedence: "bulk",
      "X-SLA-Report-Kind": doc.kind,
      "X-SLA-Report-Period": doc.period ?? "custom",
      "X-SLA-Report-Status": worst,
    },
  });
  return { subject, raw, html, text };
}

/** Sends the report email through SES; `run.ts` calls it once per report (publish-once marker "email"). */
export class ReportEmailer {
  private readonly sender: EmailSender;

  constructor(
    private readonly cfg: SesEmailConfig,
    private readonly scrubber?: Scrubber,
    sender?: EmailSender,
  ) {
    this.sender = sender ?? new SesSender(cfg.region ? { region: cfg.region } : {});
  }

  describe(): string {
    return `ses:${this.cfg.from}`;
  }

  async sendReport(
    doc: ReportDocument,
    links: EmailLinks,
    now: Date,
  ): Promise<{ id: string; bytes: number }> {
    const scrub = (s: string) => (this.scrubber ? this.scrubber.scrub(s) : s);
    const mail = reportEmail(doc, links, this.cfg, now, scrub);
    try {
      return await this.sender.send({
        from: this.cfg.from,
        to: this.cfg.to,
        raw: mail.raw,
        ...(this.cfg.configurationSet ? { configurationSet: this.cfg.configurationSet } : {}),
        tags: { kind: "report", reportKind: doc.kind, period: doc.period ?? "custom" },
      });
    } catch (e) {
      throw this.scrubber ? this.scrubber.scrubError(e) : e;
    }
  }
}
