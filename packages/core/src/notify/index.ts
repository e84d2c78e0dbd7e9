export { OutboxEmailSender } from "./email-outbox.js";
export { buildMime, encodeHeaderValue, type MimeMessage, mimeDate } from "./mime.js";
export {
  corruptMarkerKey,
  markerResetNote,
  type PublishEachResult,
  type PublishMarker,
  type PublishOnceOptions,
  type PublishOnceResult,
  publishOnce,
  publishOnceEach,
  wasSent,
} from "./once.js";
export { OUTBOX_TOPIC_ARN, type OutboxEntry, OutboxNotifier, type OutboxNotifierOptions } from "./outbox.js";
export {
  type EmailSender,
  SES_MAX_MESSAGE_BYTES,
  SesSender,
  type SesSenderOptions,
  type SesSendInput,
} from "./ses.js";
export {
  type BuildSnsPublishOptions,
  buildSnsPublishInput,
  type ChatbotCustomNotification,
  chatbotNotification,
  chatSafe,
  escapeSlack,
  parseTopicArn,
  SNS_MAX_MESSAGE_BYTES,
  SNS_SUBJECT_MAX_CHARS,
  SnsNotifier,
  type SnsNotifierOptions,
  type SnsStructuredMessage,
  sanitizeAttributeName,
  sanitizeSubject,
} from "./sns.js";
export {
  type ChatContent,
  NOTIFICATION_BUDGET_BYTES,
  type Notification,
  type NotificationKind,
  type Notifier,
  NotifyError,
  type Severity,
} from "./types.js";
