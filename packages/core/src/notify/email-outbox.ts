/**
 * Local stand-in for SES (the CLI and the demo, like the SNS outbox): each email is written whole, as the
 * raw MIME message SES would have received, to `<outbox>/<time>-email-<n>.eml` (opens in any mail client).
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { outboxWriteError } from "./outbox.js";
import type { EmailSender, SesSendInput } from "./ses.js";

export class OutboxEmailSender implements EmailSender {
  readonly dir: string;
  private n = 0;

  constructor(
    dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.dir = resolve(dir);
  }

  async send(input: SesSendInput): Promise<{ id: string; bytes: number }> {
    const stamp = this.now().toISOString().replace(/[-:]/g, "").replace(".", "");
    const tmp = join(this.dir, `.tmp-${randomUUID()}`);
    const bytes = Buffer.byteLength(input.raw, "utf8");
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, input.raw);
      for (;;) {
        const id = `${stamp}-email-${String(++this.n).padStart(4, "0")}`;
        try {
          await link(tmp, join(this.dir, `${id}.eml`));
          return { id, bytes };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
      }
    } catch (e) {
      throw outboxWriteError("email outbox", this.dir, e);
    } finally {
      await rm(tmp, { force: true }).catch(() => {});
    }
  }
}
