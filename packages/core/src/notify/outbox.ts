/**
 * Local stand-in for SNS: each notification becomes one JSON file in a folder holding exactly the
 * PublishCommand input SNS would receive (plus the per-protocol bodies decoded for reading).
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PublishCommandInput } from "@aws-sdk/client-sns";
import { buildSnsPublishInput, type ChatbotCustomNotification, type SnsStructuredMessage } from "./sns.js";
import { type Notification, type Notifier, NotifyError } from "./types.js";

export const OUTBOX_TOPIC_ARN = "arn:aws:sns:local:000000000000:sla-monitor-outbox";

export interface OutboxNotifierOptions {
  dir: string;
  /** print a one-line summary per message (default false) */
  console?: boolean;
  /** where the summary line goes (default stdout) */
  print?: (line: string) => void;
  /** topic ARN written into the files (default a local placeholder) */
  topicArn?: string;
  /** clock, for file names */
  now?: () => Date;
}

/** Content of an outbox file. */
export interface OutboxEntry {
  id: string;
  writtenAt: string;
  /** exactly what SnsNotifier would send */
  publishInput: PublishCommandInput;
  /** `publishInput.Message` decoded: the Chatbot JSON (`default`, what https/lambda subscribers get) and the email text */
  message: {
    default: ChatbotCustomNotification;
    email: string;
  };
}

/** A failed write to a local outbox folder, as a NotifyError naming the folder. */
export function outboxWriteError(what: string, dir: string, e: unknown): NotifyError {
  return new NotifyError(
    `${what} write to ${dir} failed: ${e instanceof Error ? e.message : String(e)}`,
    dir,
    (e as NodeJS.ErrnoException).code,
    undefined,
    { cause: e },
  );
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(".", "");

export class OutboxNotifier implements Notifier {
  readonly dir: string;
  private readonly topicArn: string;
  private readonly print: ((line: string) => void) | undefined;
  private readonly now: () => Date;
  private n = 0;

  constructor(opts: OutboxNotifierOptions) {
    this.dir = resolve(opts.dir);
    this.topicArn = opts.topicArn ?? OUTBOX_TOPIC_ARN;
    this.print = opts.console ? (opts.print ?? ((l) => process.stdout.write(`${l}\n`))) : undefined;
    this.now = opts.now ?? (() => new Date());
  }

  describe(): string {
    return `outbox ${this.dir}`;
  }

  async publish(msg: Notification): Promise<{ id: string }> {
    const publishInput = buildSnsPublishInput(msg, this.topicArn);
    const s = JSON.parse(publishInput.Message!) as SnsStructuredMessage;
    const at = this.now();
    const tmp = join(this.dir, `.tmp-${randomUUID()}`);
    try {
      await mkdir(this.dir, { recursive: true });
      for (;;) {
        const id = `${stamp(at)}-${msg.kind}-${String(++this.n).padStart(4, "0")}`;
        const entry: OutboxEntry = {
          id,
          writtenAt: at.toISOString(),
          publishInput,
          message: {
            default: JSON.parse(s.default),
            email: s.email,
          },
        };
        await writeFile(tmp, `${JSON.stringify(entry, null, 2)}\n`, { flag: "w" });
        try {
          // link: atomic and never overwrites another process's file with the same name
          await link(tmp, join(this.dir, `${id}.json`));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
          throw e;
        }
        this.print?.(
          `[outbox] ${msg.severity.toUpperCase()} ${msg.kind}: ${publishInput.Subject} -> ${id}.json`,
        );
        return { id };
      }
    } catch (e) {
      throw outboxWriteError("outbox", this.dir, e);
    } finally {
      await rm(tmp, { force: true }).catch(() => {});
    }
  }
}
