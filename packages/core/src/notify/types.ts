/** What the product publishes (reports, breaches, recoveries, alerts) and the small interface to publish it. */

export type NotificationKind = "report" | "breach" | "recovery" | "alert";
export type Severity = "info" | "warning" | "critical";

export interface ChatContent {
  /** markdown title (Slack/Teams via AWS Chatbot custom notifications) */
  title: string;
  /** markdown body */
  description: string;
  nextSteps?: string[];
  keywords?: string[];
  /** groups related notifications (e.g. a breach and its recovery) into one chat thread */
  threadId?: string;
}

export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  /** email subject; sanitised for SNS (ASCII, one line, < 100 characters) */
  subject: string;
  /** plain text for email subscribers */
  text: string;
  chat: ChatContent;
  /** SNS message attributes for subscription filter policies (slo, service, target, ...) */
  attributes: Record<string, string>;
  /**
   * Attributes with several values (the `slo` and `service` of a breach digest): SNS `String.Array`, so a
   * subscription filter policy on one value matches every message that lists it.
   */
  attributeLists?: Record<string, string[]>;
  /** stable identity of the event (breach of X in period Y); FIFO topics use it for deduplication */
  dedupeKey?: string;
  /** where the full report lives; quoted when the email text has to be shortened */
  reportUrl?: string;
}

/**
 * Byte budgets of the parts of one SNS message (262 144 bytes for message and attributes together), kept by
 * the builders of long notifications (the report summary, the breach digest) so that nothing is cut blindly:
 * the email body, written for email, gets the largest share; the chat description (the Chatbot JSON, sent
 * once under `default`) a small one, as chat shows little anyway; the rest covers JSON escaping, title,
 * subject and attributes. UTF-8 bytes of the text before JSON encoding.
 */
export const NOTIFICATION_BUDGET_BYTES = { email: 192 * 1024, chat: 16 * 1024 } as const;

export interface Notifier {
  publish(msg: Notification): Promise<{ id: string }>;
}

/** Publishing failed; names the destination and the service's error code. */
export class NotifyError extends Error {
  override readonly name = "NotifyError";
  constructor(
    message: string,
    readonly destination: string,
    readonly code?: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
