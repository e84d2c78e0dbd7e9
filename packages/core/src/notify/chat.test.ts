/**
 * Chat-safe messages: what reaches AWS Chatbot's client-markdown (Slack) and the SNS message attributes
 * cannot ping a channel, mention a user, hide a link behind text or format itself, whether it comes from a
 * peer (quoted untrusted text) or from the config (service, SLO and target names).
 */
import { describe, expect, it } from "vitest";
import { quoteUntrusted } from "../config/redact.js";
import {
  buildSnsPublishInput,
  type ChatbotCustomNotification,
  chatSafe,
  type SnsStructuredMessage,
} from "./sns.js";
import type { Notification } from "./types.js";

const TOPIC = "arn:aws:sns:eu-central-1:123456789012:sla-alerts";
const SLACK = "<!channel> *ACTION REQUIRED* <https://evil.example/sso|Re-authenticate here> <@U012AB3CD>";

const decode = (input: ReturnType<typeof buildSnsPublishInput>) => {
  const m = JSON.parse(input.Message!) as SnsStructuredMessage;
  return { m, chat: JSON.parse(m.default) as ChatbotCustomNotification };
};

/** What the probe cycle publishes for a DOWN whose cause quotes a peer's Location header. */
function down(detail: string, target = "api"): Notification {
  const title = `DOWN: ${target}`;
  return {
    kind: "breach",
    severity: "critical",
    subject: title,
    text: `${title}\n\n${detail}\n`,
    chat: { title, description: detail, keywords: ["down"] },
    attributes: { target, event: "down" },
  };
}

/** Every text AWS Chatbot shows, in one string. */
const shown = (chat: ChatbotCustomNotification) =>
  [
    chat.content.title,
    chat.content.description,
    ...(chat.content.nextSteps ?? []),
    ...(chat.content.keywords ?? []),
    chat.metadata.summary,
    ...Object.values(chat.metadata.additionalContext),
  ].join("\n");

describe("chat-safe notifications", () => {
  it("a peer's Location text cannot ping, mention, link or format in client-markdown", () => {
    const detail = `api is DOWN: 3 consecutive failures, last cause redirect (302 redirect to ${quoteUntrusted(SLACK)} not followed)`;
    const { m, chat } = decode(buildSnsPublishInput(down(detail), TOPIC));
    expect(chat.content.description).toBe(
      "api is DOWN: 3 consecutive failures, last cause redirect (302 redirect to " +
        "“&lt;!channel&gt; ∗ACTION REQUIRED∗ &lt;https://evil.example/sso|Re-authenticate here&gt; &lt;@U012AB3CD&gt;”" +
        " not followed)",
    );
    // no Slack control sequence and no emphasis survives anywhere in what Chatbot shows
    const all = shown(chat);
    expect(all).not.toMatch(/[<>]/);
    expect(all).not.toContain("*ACTION");
    // the email is plain text: the peer's words, quoted, unescaped
    expect(m.email).toContain(`“${SLACK}”`);
  });

  it("config text (service, SLO names) is escaped in client-markdown and in the SNS message attributes", () => {
    const msg: Notification = {
      kind: "breach",
      severity: "critical",
      subject: "SLO missed: checkout_api",
      text: "SLO missed: checkout_api (2026-10)\nService: <!here>\n",
      chat: {
        title: "SLO missed: checkout_api",
        description: "Service: <!here>\n*99.80 %* vs objective 99.90 %",
        nextSteps: ["Report: https://reports.example.com/reports/monthly/2026-10/checkout_api.html"],
      },
      attributes: { slo: "checkout_api", service: "<!here>", period: "2026-10" },
    };
    const input = buildSnsPublishInput(msg, TOPIC);
    const { chat } = decode(input);
    expect(chat.content.title).toBe("SLO missed: checkoutˍapi"); // `_api_` would be italic
    // the product's own markdown stays; the config's <!here> does not ping
    expect(chat.content.description).toBe("Service: &lt;!here&gt;\n*99.80 %* vs objective 99.90 %");
    // a URL is left as it is (Slack formats nothing inside a link)
    expect(chat.content.nextSteps).toEqual([
      "Report: https://reports.example.com/reports/monthly/2026-10/checkout_api.html",
    ]);
    expect(chat.metadata.additionalContext.service).toBe("&lt;!here&gt;");
    expect(input.MessageAttributes?.service).toEqual({ DataType: "String", StringValue: "&lt;!here&gt;" });
    expect(input.MessageAttributes?.slo?.StringValue).toBe("checkout_api"); // filter policies still match
  });

  it("escapes &, < and > exactly as Slack requires, and leaves clean text unchanged", () => {
    expect(chatSafe("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
    expect(chatSafe("api is up again after 3 min (HTTP 200, 12 ms)")).toBe(
      "api is up again after 3 min (HTTP 200, 12 ms)",
    );
    expect(chatSafe(`x ${quoteUntrusted("`code` ~strike~ _i_ *b*")} *kept*`)).toBe(
      "x “ˋcodeˋ ∼strike∼ ˍiˍ ∗b∗” *kept*",
    );
  });

  it("a description cut inside quoted text keeps it neutralised; the truncation note stays markdown", () => {
    const detail = `cause ${quoteUntrusted("*bold* <!channel> ".repeat(20))}`;
    const input = buildSnsPublishInput(
      { ...down(detail), text: "t".repeat(4000), reportUrl: "https://r.example.com/a.html" },
      TOPIC,
      { maxBytes: 800 },
    );
    const { chat } = decode(input);
    expect(chat.content.description).toMatch(
      // cut inside the quote (no closing ”), still no emphasis and no control sequence
      /^cause “∗bold∗ &lt;!channel&gt; [^*<>”]+\n\n_\(truncated; full report at https:\/\/r\.example\.com\/a\.html\)_$/,
    );
  });
});
