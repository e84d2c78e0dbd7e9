/**
 * Sends a raw MIME message with Amazon SES (API v2, `SendEmail` with raw content). Errors become a
 * `NotifyError` naming the sender and SES's error code (e.g. `MessageRejected` for an unverified address in
 * the sandbox). The message itself is built elsewhere (`mime.ts`, `report/email.ts`).
 */
import { quoteUntrusted } from "../config/redact.js";
import { NotifyError } from "./types.js";

/** SES v2 accepts messages up to 40 MB; the product's own cap is far below (text and HTML of ~100 KB each). */
export const SES_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface SesSendInput {
  from: string;
  to: readonly string[];
  raw: string;
  configurationSet?: string;
  /** SES message tags (`[A-Za-z0-9_-]` names and values), for event destinations and filters */
  tags?: Record<string, string>;
}

export interface SesSenderOptions {
  region?: string;
  client?: import("@aws-sdk/client-sesv2").SESv2Client;
}

/** Where a raw email goes: SES, or the local outbox (`email-outbox.ts`). */
export interface EmailSender {
  send(input: SesSendInput): Promise<{ id: string; bytes: number }>;
}

export class SesSender implements EmailSender {
  private client: import("@aws-sdk/client-sesv2").SESv2Client | undefined;

  constructor(private readonly opts: SesSenderOptions = {}) {
    this.client = opts.client;
  }

  async send(input: SesSendInput): Promise<{ id: string; bytes: number }> {
    const data = new TextEncoder().encode(input.raw);
    if (data.byteLength > SES_MAX_MESSAGE_BYTES) {
      throw new NotifyError(
        `email of ${data.byteLength} bytes is over the ${SES_MAX_MESSAGE_BYTES}-byte cap`,
        `ses:${input.from}`,
        "MessageTooLarge",
      );
    }
    const { SESv2Client, SendEmailCommand } = await import("@aws-sdk/client-sesv2");
    this.client ??= new SESv2Client(this.opts.region ? { region: this.opts.region } : {});
    const tag = (v: string) => v.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256);
    try {
      const r = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: input.from,
          Destination: { ToAddresses: [...input.to] },
          Content: { Raw: { Data: data } },
          ...(input.configurationSet ? { ConfigurationSetName: input.configurationSet } : {}),
          ...(input.tags
            ? {
                EmailTags: Object.entries(input.tags).map(([Name, Value]) => ({
                  Name: tag(Name),
                  Value: tag(Value),
                })),
              }
            : {}),
        }),
      );
      return { id: r.MessageId ?? "", bytes: data.byteLength };
    } catch (e) {
      const err = (e ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new NotifyError(
        `SES SendEmail from ${input.from} failed: ${err.name ?? "Error"}${err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : ""}: ${quoteUntrusted(err.message ?? String(e))}`,
        `ses:${input.from}`,
        err.name,
        err.$metadata?.httpStatusCode,
        { cause: e },
      );
    }
  }
}
