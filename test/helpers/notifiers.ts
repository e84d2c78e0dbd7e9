/** A notifier that records what it was asked to publish, and can be told to fail. */
import type { Notification, Notifier } from "../../packages/core/src/notify/index.js";

export class CountingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  /** while set, publish throws this error */
  failWith: Error | undefined;
  async publish(msg: Notification): Promise<{ id: string }> {
    if (this.failWith) throw this.failWith;
    this.sent.push(msg);
    return { id: `m-${this.sent.length}` };
  }
  subjects(): string[] {
    return this.sent.map((m) => m.subject);
  }
}
