/** The small object-store interface behind reports, breach state and "already sent" markers. */

export interface PutOptions {
  /** defaults to `contentTypeFor(key)` */
  contentType?: string;
  /** `"*"`: create only; fails with PreconditionFailedError when the key exists */
  ifNoneMatch?: "*";
  /** replace only if the current object has this etag (as returned by `get`/`put`) */
  ifMatch?: string;
}

export interface StoredObject {
  body: Uint8Array;
  /** opaque version tag; pass it back as `ifMatch` */
  etag: string;
  contentType?: string;
}

export interface ObjectStore {
  /** Throws PreconditionFailedError when `ifNoneMatch`/`ifMatch` does not hold. */
  put(key: string, body: string | Uint8Array, opts?: PutOptions): Promise<{ etag: string }>;
  /** `null` when the key does not exist. */
  get(key: string): Promise<StoredObject | null>;
  /** Keys starting with `prefix` (relative to the store's own prefix), sorted. */
  list(prefix: string): Promise<string[]>;
  /** `s3://bucket/prefix` or `file:///abs/dir` (no trailing slash); `${describe()}/${key}` names an object. */
  describe(): string;
}

/** A conditional write lost: the object exists (If-None-Match: *) or changed (If-Match). */
export class PreconditionFailedError extends Error {
  override readonly name = "PreconditionFailedError";
  constructor(
    readonly location: string,
    readonly condition: "if-none-match" | "if-match",
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `precondition failed for ${location} (${condition === "if-none-match" ? "If-None-Match: * — object already exists" : "If-Match — object changed or missing"})${detail ? `: ${detail}` : ""}`,
      options,
    );
  }
}

/** Any other store failure; the message names the store operation, bucket/dir and key. */
export class ObjectStoreError extends Error {
  override readonly name = "ObjectStoreError";
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Keys are relative, `/`-separated paths: no empty, `.` or `..` segments, no leading `/`, no backslash,
 * no control characters. The same rules apply to S3 and the local folder so a key works in both.
 */
export function validateKey(key: string): string {
  const problem = keyProblem(key);
  if (problem)
    throw new ObjectStoreError(`invalid object key ${JSON.stringify(key)}: ${problem}`, "InvalidKey");
  return key;
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "empty";
  if (key.length > 1024) return "longer than 1024 characters";
  if (key.startsWith("/")) return "absolute (starts with /)";
  if (key.includes("\\")) return "contains a backslash";
  if (/[\u0000-\u001f\u007f]/.test(key)) return "contains control characters";
  for (const seg of key.split("/")) {
    if (seg === "") return "has an empty path segment (// or trailing /)";
    if (seg === "." || seg === "..") return `has a "${seg}" path segment`;
  }
  return undefined;
}

/** Prefixes for `list()` follow the key rules except that they may be empty or end with `/`. */
export function validatePrefix(prefix: string): string {
  if (prefix === "") return prefix;
  const body = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  const problem = keyProblem(body);
  if (problem)
    throw new ObjectStoreError(`invalid list prefix ${JSON.stringify(prefix)}: ${problem}`, "InvalidKey");
  return prefix;
}

export const toBytes = (body: string | Uint8Array): Uint8Array =>
  typeof body === "string" ? new TextEncoder().encode(body) : body;
