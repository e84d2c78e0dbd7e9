/**
 * A MIME message (RFC 5322 / 2045-2047) with a plain-text and an HTML alternative, pure. Both parts are UTF-8
 * in base64 (76-character lines), so no line length or 8-bit issue can arise whatever the text holds; header
 * values that are not plain ASCII become RFC 2047 encoded words; every header value is one line (CR, LF and
 * other control characters are refused, so no header can be injected). The boundary (`=_` + hex) cannot occur
 * in base64.
 */
import { createHash } from "node:crypto";

export interface MimeMessage {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  date: Date;
  /** further headers (List-Id, Auto-Submitted, X-…), in this order */
  headers?: Readonly<Record<string, string>>;
}

const CRLF = "\r\n";
const HEADER_NAME = /^[!-9;-~]+$/;

function checkValue(name: string, value: string): void {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new RangeError(`header ${name} contains a control character (CR/LF injection refused)`);
  }
}

/** A header value as is when plain printable ASCII, else RFC 2047 B-encoded words of at most 75 characters. */
export function encodeHeaderValue(value: string): string {
  if (/^[\u0020-\u007e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = "";
  // each encoded word holds whole characters, at most 45 bytes (60 base64 characters + 12 of framing)
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch, "utf8") > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, "utf8").toString("base64")}?=`).join(`${CRLF} `);
}

/** RFC 5322 date in UTC: "Sun, 01 Nov 2026 05:00:00 +0000" */
export function mimeDate(d: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const base64Lines = (s: string) =>
  (
    Buffer.from(s, "utf8")
      .toString("base64")
      .match(/.{1,76}/g) ?? []
  ).join(CRLF);

/** The whole message, CRLF line ends, ready for SES SendEmail's raw content. */
export function buildMime(m: MimeMessage): string {
  const boundary = `=_sla_${createHash("sha256").update(m.text).update(m.html).digest("hex").slice(0, 24)}`;
  const headers: [string, string][] = [
    ["From", m.from],
    ["To", m.to.join(", ")],
    ["Subject", m.subject],
    ["Date", mimeDate(m.date)],
    ["MIME-Version", "1.0"],
    ...Object.entries(m.headers ?? {}),
    ["Content-Type", `multipart/alternative; boundary="${boundary}"`],
  ];
  const lines: string[] = [];
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) throw new RangeError(`bad header name ${JSON.stringify(name)}`);
    checkValue(name, value);
    lines.push(`${name}: ${encodeHeaderValue(value)}`);
  }
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      "Content-Transfer-Encoding: base64",
      "",
      base64Lines(body),
    ].join(CRLF);
  return [
    ...lines,
    "",
    "This is a multi-part message in MIME format.",
    part("text/plain", m.text),
    part("text/html", m.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
}
