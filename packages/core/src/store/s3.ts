/** ObjectStore on Amazon S3 (or any S3-protocol server) with conditional writes for idempotence. */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";
import { quoteUntrusted, type Scrubber } from "../config/redact.js";
import { contentTypeFor } from "./content-type.js";
import {
  type ObjectStore,
  ObjectStoreError,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
  toBytes,
  validateKey,
  validatePrefix,
} from "./types.js";

export interface S3ObjectStoreOptions {
  bucket: string;
  /** key prefix inside the bucket, e.g. `sla/prod` (leading/trailing `/` ignored) */
  prefix?: string;
  /** defaults to `new S3Client({})` (region and credentials from the environment) */
  client?: S3Client;
  /** ListObjectsV2 page size (MaxKeys, 1..1000); default 1000 */
  pageSize?: number;
  /** scrubs S3's error text before it is cut and quoted (the runtime passes THE scrubber) */
  scrubber?: Scrubber;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const errInfo = (e: unknown): { code: string; status: number | undefined; message: string } => {
  const s = (e ?? {}) as SdkError;
  return {
    code: s.Code ?? s.name ?? "Error",
    status: s.$metadata?.httpStatusCode,
    message: s.message ?? String(e),
  };
};

/** An S3 client for this environment: path-style addressing behind AWS_ENDPOINT_URL(_S3) (MinIO, emulators). */
export function s3ClientFor(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) });
}

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly pageSize: number;
  private readonly scrubber: Scrubber | undefined;

  constructor(opts: S3ObjectStoreOptions) {
    if (!opts.bucket) throw new ObjectStoreError("S3ObjectStore: bucket is required", "InvalidConfig");
    this.bucket = opts.bucket;
    const p = (opts.prefix ?? "").replace(/^\/+|\/+$/g, "");
    if (p) validateKey(p);
    this.prefix = p ? `${p}/` : "";
    this.client = opts.client ?? new S3Client({});
    this.pageSize = Math.max(1, Math.min(1000, Math.floor(opts.pageSize ?? 1000)));
    this.scrubber = opts.scrubber;
  }

  describe(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix.slice(0, -1)}` : ""}`;
  }

  private fullKey(key: string): string {
    return this.prefix + validateKey(key);
  }

  private where(fullKey: string): string {
    return `s3://${this.bucket}/${fullKey}`;
  }

  private fail(op: string, fullKey: string, e: unknown): ObjectStoreError {
    const { code, status, message } = errInfo(e);
    return new ObjectStoreError(
      `S3 ${op} ${this.where(fullKey)} failed: ${code}${status ? ` (HTTP ${status})` : ""}: ${quoteUntrusted(message, { scrubber: this.scrubber })}`,
      code,
      status,
      { cause: e },
    );
  }

  async put(key: string, body: string | Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    const Key = this.fullKey(key);
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key,
      Body: toBytes(body),
      ContentType: opts.contentType ?? contentTypeFor(key),
      // ServerSideEncryption is left to the bucket default (SSE-S3 or the bucket's KMS key).
    };
    if (opts.ifNoneMatch) input.IfNoneMatch = opts.ifNoneMatch;
    if (opts.ifMatch) input.IfMatch = opts.ifMatch;
    try {
      const res = await this.client.send(new PutObjectCommand(input));
      return { etag: res.ETag ?? "" };
    } catch (e) {
      const { code, status } = errInfo(e);
      // 412 PreconditionFailed: the condition does not hold. 409 ConditionalRequestConflict: a concurrent
      // conditional write to the same key is in flight; both mean "you lost, re-read and retry".
      if (status === 412 || code === "PreconditionFailed" || code === "ConditionalRequestConflict") {
        throw new PreconditionFailedError(
          this.where(Key),
          opts.ifNoneMatch ? "if-none-match" : "if-match",
          code,
          {
            cause: e,
          },
        );
      }
      throw this.fail("PutObject", Key, e);
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      const out: StoredObject = { body, etag: res.ETag ?? "" };
      if (res.ContentType) out.contentType = res.ContentType;
      return out;
    } catch (e) {
      const { code, status } = errInfo(e);
      if (code === "NoSuchKey" || (status === 404 && code !== "NoSuchBucket")) return null;
      if (code === "AccessDenied" && !(await this.exists(Key))) return null;
      throw this.fail("GetObject", Key, e);
    }
  }

  /**
   * Whether `Key` exists, by listing that exact key as a prefix (one key at most). S3 answers a GET of a
   * missing key with 403 AccessDenied instead of 404 when the caller may not `s3:ListBucket` without a
   * prefix, which the deployed policy never allows (infra/aws/grants.ts: ListBucket only with the function's
   * own prefixes); this listing is inside them. Absent: the 403 meant "no such key". Present, or the listing
   * itself refused: the 403 is a real access error.
   */
  private async exists(Key: string): Promise<boolean> {
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: Key, MaxKeys: 1 }),
      );
      return (res.Contents ?? []).some((o) => o.Key === Key);
    } catch {
      return true;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const Prefix = this.prefix + validatePrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    for (;;) {
      let res: ListObjectsV2CommandOutput;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix,
            MaxKeys: this.pageSize,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (e) {
        throw this.fail("ListObjectsV2", `${Prefix}*`, e);
      }
      for (const o of res.Contents ?? []) {
        if (o.Key?.startsWith(this.prefix)) keys.push(o.Key.slice(this.prefix.length));
      }
      if (!res.IsTruncated) break;
      if (!res.NextContinuationToken || res.NextContinuationToken === token) {
        throw new ObjectStoreError(
          `S3 ListObjectsV2 ${this.where(`${Prefix}*`)}: truncated page without a new continuation token`,
          "BadPagination",
        );
      }
      token = res.NextContinuationToken;
    }
    return keys.sort();
  }
}
