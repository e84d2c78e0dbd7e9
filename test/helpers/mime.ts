/** A small reader of the MIME messages the product writes (tests only): headers, and each part decoded. */

export interface ParsedPart {
  contentType: string;
  encoding: string;
  body: string;
}

export interface ParsedMime {
  /** header values as written (encoded words left encoded), names lower-cased */
  headers: Record<string, string>;
  /** the Subject decoded from RFC 2047 encoded words */
  subject: string;
  contentType: string;
  parts: ParsedPart[];
}

const decodeWords = (v: string) =>
  v
    .replace(/\r\n /g, " ")
    .replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g, (_, b64: string) => Buffer.from(b64, "base64").toString("utf8"))
    .trimEnd();

function headerBlock(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = "";
  for (const line of block.split("\r\n")) {
    if (/^[ \t]/.test(line) && last) out[last] += `\r\n${line}`;
    else {
      const i = line.indexOf(":");
      last = line.slice(0, i).toLowerCase();
      out[last] = line.slice(i + 1).trimStart();
    }
  }
  return out;
}

export function parseMime(raw: string): ParsedMime {
  const split = raw.indexOf("\r\n\r\n");
  const headers = headerBlock(raw.slice(0, split));
  const contentType = headers["content-type"] ?? "";
  const boundary = /boundary="([^"]+)"/.exec(contentType)?.[1];
  const parts: ParsedPart[] = [];
  if (boundary) {
    const body = raw.slice(split + 4);
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith("--")) break;
      const p = chunk.replace(/^\r\n/, "");
      const end = p.indexOf("\r\n\r\n");
      const h = headerBlock(p.slice(0, end));
      const content = p.slice(end + 4).trim();
      const encoding = (h["content-transfer-encoding"] ?? "").toLowerCase();
      parts.push({
        contentType: h["content-type"] ?? "",
        encoding,
        body:
          encoding === "base64"
            ? Buffer.from(content.replace(/\r\n/g, ""), "base64").toString("utf8")
            : content,
      });
    }
  }
  return { headers, subject: decodeWords(headers.subject ?? ""), contentType, parts };
}
