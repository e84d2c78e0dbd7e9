/**
 * fauxqs (S3 + SNS + SQS emulator, in-process) on 127.0.0.1 with a random port, for store and notify tests.
 *
 * `startFauxqs()` from the package listens on every interface, so this builds the same Fastify app with `buildApp()`
 * and listens on 127.0.0.1 itself. Resources are created through the real SDK clients (S3 CreateBucket,
 * SNS CreateTopic/Subscribe) or fauxqs's SQS JSON API, so the emulator sees ordinary traffic.
 */
import { CreateBucketCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, type SNSClientConfig, SubscribeCommand } from "@aws-sdk/client-sns";
import { buildApp } from "fauxqs";

export const FAUXQS_REGION = "us-east-1";
export const FAUXQS_CREDENTIALS = { accessKeyId: "fauxqs-test", secretAccessKey: "fauxqs-test" };

export interface FauxqsQueueMessage {
  body: string;
  messageAttributes: Record<string, { DataType?: string; StringValue?: string }>;
}

export interface Fauxqs {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  s3(config?: Partial<S3ClientConfig>): S3Client;
  sns(config?: Partial<SNSClientConfig>): SNSClient;
  createBucket(name: string): Promise<void>;
  createTopic(name: string): Promise<string>;
  createQueue(name: string): Promise<{ url: string; arn: string }>;
  /** SNS -> SQS subscription (envelope delivery unless raw) */
  subscribeQueue(topicArn: string, queueArn: string, attributes?: Record<string, string>): Promise<string>;
  /** messages waiting in a queue, without consuming them */
  queueMessages(name: string): Promise<FauxqsQueueMessage[]>;
  stop(): Promise<void>;
}

export async function startFauxqsServer(opts: { buckets?: string[] } = {}): Promise<Fauxqs> {
  const app = buildApp({ logger: false, defaultRegion: FAUXQS_REGION });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  if (!addr || typeof addr === "string") throw new Error("fauxqs: no TCP address");
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const clients: { destroy(): void }[] = [];

  const s3 = (config: Partial<S3ClientConfig> = {}) => {
    const c = new S3Client({
      endpoint,
      region: FAUXQS_REGION,
      credentials: FAUXQS_CREDENTIALS,
      forcePathStyle: true,
      ...config,
    });
    clients.push(c);
    return c;
  };
  const sns = (config: Partial<SNSClientConfig> = {}) => {
    const c = new SNSClient({ endpoint, region: FAUXQS_REGION, credentials: FAUXQS_CREDENTIALS, ...config });
    clients.push(c);
    return c;
  };
  const sqs = async (action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`fauxqs SQS ${action} failed: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const admin = s3();
  const adminSns = sns();
  const f: Fauxqs = {
    endpoint,
    s3,
    sns,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createTopic(name) {
      const r = await adminSns.send(new CreateTopicCommand({ Name: name }));
      return r.TopicArn!;
    },
    async createQueue(name) {
      const created = await sqs("CreateQueue", { QueueName: name });
      const url = String(created.QueueUrl);
      const attrs = await sqs("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["QueueArn"] });
      return { url, arn: String((attrs.Attributes as Record<string, string>).QueueArn) };
    },
    async subscribeQueue(topicArn, queueArn, attributes) {
      const r = await adminSns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: "sqs",
          Endpoint: queueArn,
          ...(attributes ? { Attributes: attributes } : {}),
        }),
      );
      return r.SubscriptionArn!;
    },
    async queueMessages(name) {
      const res = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
      if (!res.ok) throw new Error(`fauxqs inspect queue ${name}: HTTP ${res.status}`);
      const q = (await res.json()) as { messages: { ready: FauxqsQueueMessage[] } };
      return q.messages.ready;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await app.close();
    },
  };
  for (const b of opts.buckets ?? []) await f.createBucket(b);
  return f;
}
