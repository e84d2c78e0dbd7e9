/**
 * SNS publishing: one Publish per notification with `MessageStructure: "json"`, so email subscribers get
 * plain text and every other protocol (https/lambda: AWS Chatbot, a forwarder) gets the `default` body, an AWS
 * Chatbot custom notification.
 */
import { createHash } from "node:crypto";
import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
} from "@aws-sdk/client-sns";
import { quoteUntrusted, type Scrubber } from "../config/redact.js";
import { type Notification, type Notifier, NotifyError } from "./types.js";

/** SNS message size limit (message body plus attributes), bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS subjects must be "less than 100 characters". */
export const SNS_SUBJECT_MAX_CHARS = 99;

/** AWS Chatbot (Amazon Q Developer in chat applications) custom notification. */
export interface ChatbotCustomNotification {
  version: "1.0";
  source: "custom";
  id?: string;
  content: {
    textType: "client-markdown";
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    summary: string;
    eventType: string;
    threadId?: string;
    additionalContext: Record<string, string>;
  };
}

/**
 * The `Message` of a `MessageStructure: "json"` publish, per protocol (values are strings). Only what differs
 * from `default` is listed: SNS delivers `default` to every protocol without a key of its own (https and
 * lambda subscribers, AWS Chatbot, get the Chatbot JSON from there), so repeating it would only spend the
 * 256 KB limit.
 */
export interface SnsStructuredMessage {
  default: string;
  email: string;
}

const ASCII_MAP: Record<string, string> = {
  "\u2013": "-",
  "\u2014": "-",
  "\u2212": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2026": "...",
  "\u2022": "-",
  "\u00d7": "x",
  "\u2264": "<=",
  "\u2265": ">=",
  "\u2192": "->",
  "\u00a0": " ",
  "\u00b5": "u",
  "\u00df": "ss",
};

/**
 * One ASCII line, under 100 characters, starting with a printable character (SNS rejects line breaks,
 * control and non-ASCII characters in subjects). Accents are folded (é -> e); other symbols are dropped.
 */
export function sanitizeSubject(subject: string, max = SNS_SUBJECT_MAX_CHARS): string {
  let s = "";
  for (const ch of subject.normalize("NFKD")) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f) s += ch;
    else if (code === 0x09 || code === 0x0a || code === 0x0d) s += " ";
    else if (ASCII_MAP[ch] !== undefined) s += ASCII_MAP[ch];
    // combining marks (after NFKD), emoji, other scripts: dropped
  }
  s = s.replace(/\s+/g, " ").trim();
  if (s === "") s = "sla-monitor notification";
  if (s.length > max) s = `${s.slice(0, max - 3).trimEnd()}...`;
  return s;
}

/** SNS attribute names: letters, digits, `_-.`, no leading/trailing/double dots, not `AWS.`/`Amazon.`. */
export function sanitizeAttributeName(name: string): string {
  let n = name
    .replace(/[^A-Za-z0-9_.-]/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "");
  if (/^(aws|amazon)\./i.test(n)) n = `x-${n}`;
  return (n || "attr").slice(0, 256);
}

// Characters that are not allowed in XML 1.0 (SNS attribute values travel in XML-compatible strings).
const NON_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

const SLACK_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
/**
 * `&`, `<`, `>` as Slack requires (`&amp;` `&lt;` `&gt;`): no `<!channel>`, `<@U…>` or `<url|text>` can form.
 * For every text AWS Chatbot shows, and for SNS message attribute values.
 */
export const escapeSlack = (s: string): string => s.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c]!);

/** Emphasis, strike and code characters, as look-alikes that format nothing. */
const MARKUP_LOOKALIKES: Record<string, string> = {
  "*": "\u2217",
  _: "\u02cd",
  "~": "\u223c",
  "`": "\u02cb",
};
const neutraliseMarkup = (s: string): string => s.replace(/[*_~`]/g, (c) => MARKUP_LOOKALIKES[c]!);

/** Quoted untrusted text (`quoteUntrusted`); one cut short by truncation runs to the end. */
const UNTRUSTED_SPAN = /“[^“”]*(?:”|$)/g;
const CHAT_URL = /\b(?:https?|s3|file):\/\/[^\s<>"')\]]+/;

/**
 * Text for AWS Chatbot's `client-markdown` (Slack): `&`, `<`, `>` escaped everywhere; markup characters
 * neutralised inside quoted untrusted text (`“…”`: peer headers and bodies, server errors) and in the
 * config-given `literals` (service, SLO and target names, from the attributes) wherever they appear. The
 * product's own markdown and URLs outside quoted text are kept.
 */
export function chatSafe(text: string, literals: readonly string[] = []): string {
  const marked = [...new Set(literals)].filter((l) => /[*_~`]/.test(l)).sort((a, b) => b.length - a.length);
  const plain = (s: string) =>
    s
      .split(new RegExp(`(${CHAT_URL.source})`, "g"))
      .map((part, i) => {
        if (i % 2 === 1) return part; // a URL: Slack formats nothing inside
        let out = part;
        for (const l of marked) out = out.split(l).join(neutraliseMarkup(l));
        return out;
      })
      .join("");
  let out = "";
  let at = 0;
  for (const m of text.matchAll(UNTRUSTED_SPAN)) {
    out += plain(text.slice(at, m.index)) + neutraliseMarkup(m[0]);
    at = m.index + m[0].length;
  }
  return escapeSlack(out + plain(text.slice(at)));
}

/**
 * The AWS Chatbot custom-notification object for a notification; every text goes through `chatSafe` (the
 * truncation `note`, the product's own, is appended after).
 */
export function chatbotNotification(
  msg: Notification,
  description = msg.chat.description,
  note = "",
): ChatbotCustomNotification {
  const literals = [...Object.values(msg.attributes), ...Object.values(msg.attributeLists ?? {}).flat()];
  const safe = (s: string) => chatSafe(s, literals);
  const content: ChatbotCustomNotification["content"] = {
    textType: "client-markdown",
    title: safe(msg.chat.title),
    description: safe(description) + note,
  };
  if (msg.chat.nextSteps && msg.chat.nextSteps.length > 0) content.nextSteps = msg.chat.nextSteps.map(safe);
  if (msg.chat.keywords && msg.chat.keywords.length > 0) content.keywords = msg.chat.keywords.map(safe);
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries({ kind: msg.kind, severity: msg.severity, ...msg.attributes })) {
    context[k] = escapeSlack(String(v ?? ""));
  }
  const metadata: ChatbotCustomNotification["metadata"] = {
    summary: escapeSlack(sanitizeSubject(msg.subject)),
    eventType: `sla-monitor.${msg.kind}`,
    additionalContext: context,
  };
  if (msg.chat.threadId) metadata.threadId = msg.chat.threadId;
  const out: ChatbotCustomNotification = { version: "1.0", source: "custom", content, metadata };
  if (msg.dedupeKey) out.id = msg.dedupeKey;
  return out;
}

function messageAttributes(msg: Notification, truncated: boolean): Record<string, MessageAttributeValue> {
  const all: Record<string, string> = { ...msg.attributes, kind: msg.kind, severity: msg.severity };
  if (truncated) all.truncated = "true";
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(all)) {
    const value = escapeSlack(String(raw ?? "").replace(NON_XML, "")); // Chatbot shows them too
    if (value === "") continue; // SNS rejects empty attribute values
    out[sanitizeAttributeName(name)] = { DataType: "String", StringValue: value };
  }
  for (const [name, values] of Object.entries(msg.attributeLists ?? {})) {
    const clean = values.map((v) => escapeSlack(String(v ?? "").replace(NON_XML, ""))).filter(Boolean);
    if (clean.length === 0) continue;
    out[sanitizeAttributeName(name)] = { DataType: "String.Array", StringValue: JSON.stringify(clean) };
  }
  return out;
}

const attributesBytes = (attrs: Record<string, MessageAttributeValue>) =>
  Object.entries(attrs).reduce(
    (n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v.DataType ?? "") + utf8Bytes(v.StringValue ?? ""),
    0,
  );

const URL_RE = /\b(?:https?|s3|file):\/\/[^\s<>"')\]]+/g;

/** Where the full report lives, for the truncation note. */
function reportLocation(msg: Notification): string | undefined {
  if (msg.reportUrl) return msg.reportUrl;
  if (msg.attributes.reportUrl) return msg.attributes.reportUrl;
  for (const step of msg.chat.nextSteps ?? []) {
    const m = step.match(URL_RE);
    if (m?.[0]) return m[0];
  }
  const inText = msg.text.match(URL_RE);
  return inText ? inText[inText.length - 1] : undefined;
}

/** Cut to at most `n` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (n >= s.length) return s;
  const c = s.charCodeAt(n - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}

/** Largest n in [0, max] with fits(n), assuming fits is monotone; -1 when even 0 does not fit. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (!fits(0)) return -1;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface BuildSnsPublishOptions {
  /** size limit for message + attributes (default SNS_MAX_MESSAGE_BYTES); lower it in tests */
  maxBytes?: number;
}

/**
 * The exact PublishCommand input for a notification (pure). When the message would exceed the SNS size
 * limit, the email text (then, if needed, the chat description) is shortened and ends with
 * "(truncated; full report at <url>)"; the attribute `truncated=true` is added.
 */
export function buildSnsPublishInput(
  msg: Notification,
  topicArn: string,
  opts: BuildSnsPublishOptions = {},
): PublishCommandInput {
  const maxBytes = opts.maxBytes ?? SNS_MAX_MESSAGE_BYTES;
  const subject = sanitizeSubject(msg.subject);
  const structured = (email: string, description: string, suffix = ""): string => {
    const chat = JSON.stringify(chatbotNotification(msg, description, suffix));
    const m: SnsStructuredMessage = { default: chat, email };
    return JSON.stringify(m);
  };

  let message = structured(msg.text, msg.chat.description);
  let attrs = messageAttributes(msg, false);
  const budget = () => maxBytes - utf8Bytes(subject) - attributesBytes(attrs);

  if (utf8Bytes(message) > budget()) {
    attrs = messageAttributes(msg, true);
    const where = reportLocation(msg);
    const note = `\n\n... (truncated; full report at ${where ?? "the report store"})\n`;
    const limit = budget();
    const emailFits = (n: number) =>
      utf8Bytes(structured(cut(msg.text, n) + note, msg.chat.description)) <= limit;
    const n = largestFitting(msg.text.length, emailFits);
    if (n >= 0) {
      message = structured(cut(msg.text, n) + note, msg.chat.description);
    } else {
      const chatNote = `\n\n_(truncated; full report at ${escapeSlack(where ?? "the report store")})_`;
      const descFits = (k: number) =>
        utf8Bytes(structured(note.trimStart(), cut(msg.chat.description, k), chatNote)) <= limit;
      const k = largestFitting(msg.chat.description.length, descFits);
      if (k < 0) {
        throw new NotifyError(
          `SNS message for ${topicArn} does not fit in ${maxBytes} bytes even with the text and description removed ` +
            "(title, next steps, keywords or attributes too large)",
          topicArn,
          "MessageTooLarge",
        );
      }
      message = structured(note.trimStart(), cut(msg.chat.description, k), chatNote);
    }
  }

  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: subject,
    Message: message,
    MessageStructure: "json",
    MessageAttributes: attrs,
  };
  if (topicArn.endsWith(".fifo")) {
    const group = (msg.attributes.slo ?? msg.attributes.service ?? msg.kind).replace(/[^\x21-\x7e]/g, "_");
    input.MessageGroupId = group.slice(0, 128) || msg.kind;
    input.MessageDeduplicationId = createHash("sha256")
      .update(msg.dedupeKey ?? message)
      .digest("hex");
  }
  return input;
}

/** Region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`), or throws a clear error. */
export function parseTopicArn(topicArn: string): {
  partition: string;
  region: string;
  account: string;
  name: string;
} {
  const parts = topicArn.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "sns" || !parts[3] || !parts[5]) {
    throw new NotifyError(
      `invalid SNS topic ARN ${JSON.stringify(topicArn)} (expected arn:aws:sns:<region>:<account>:<topic>)`,
      topicArn,
      "InvalidTopicArn",
    );
  }
  return { partition: parts[1]!, region: parts[3], account: parts[4]!, name: parts[5] };
}

export interface SnsNotifierOptions {
  topicArn: string;
  /** defaults to an SNSClient in the topic's region, credentials from the environment */
  client?: SNSClient;
  /** scrubs SNS's error text before it is cut and quoted (the runtime passes THE scrubber) */
  scrubber?: Scrubber;
}

export class SnsNotifier implements Notifier {
  readonly topicArn: string;
  private readonly client: SNSClient;
  private readonly scrubber: Scrubber | undefined;

  constructor(opts: SnsNotifierOptions) {
    const { region } = parseTopicArn(opts.topicArn);
    this.topicArn = opts.topicArn;
    this.client = opts.client ?? new SNSClient({ region });
    this.scrubber = opts.scrubber;
  }

  describe(): string {
    return this.topicArn;
  }

  async publish(msg: Notification): Promise<{ id: string }> {
    const input = buildSnsPublishInput(msg, this.topicArn);
    try {
      const res = await this.client.send(new PublishCommand(input));
      return { id: res.MessageId ?? "" };
    } catch (e) {
      const err = (e ?? {}) as {
        name?: string;
        Code?: string;
        message?: string;
        $metadata?: { httpStatusCode?: number };
      };
      const code = err.Code ?? err.name ?? "Error";
      const status = err.$metadata?.httpStatusCode;
      throw new NotifyError(
        `SNS Publish to ${this.topicArn} failed: ${code}${status ? ` (HTTP ${status})` : ""}: ${quoteUntrusted(err.message ?? String(e), { scrubber: this.scrubber })}`,
        this.topicArn,
        code,
        status,
        { cause: e },
      );
    }
  }
}
