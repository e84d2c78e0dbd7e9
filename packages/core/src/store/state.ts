/** Optimistic-concurrency helpers on an ObjectStore: JSON state with read-modify-write, and once-markers. */
import { contentTypeFor } from "./content-type.js";
import { type ObjectStore, ObjectStoreError, PreconditionFailedError } from "./types.js";

export interface StateStoreOptions<T> {
  /** default `application/json; charset=utf-8` */
  contentType?: string;
  /** default `JSON.stringify(v, null, 2)` + newline */
  serialize?: (value: T) => string;
  /** default `JSON.parse` */
  parse?: (text: string) => T;
}

export interface ReadModifyWriteOptions {
  /** total tries including the first (default 10); each lost race costs one */
  maxAttempts?: number;
}

export interface ReadModifyWriteResult<T> {
  /** the stored value after the call (the previous value when `fn` returned null or no change) */
  value: T | null;
  /** how many read-apply-write rounds ran (1 when nobody interfered) */
  attempts: number;
  /** whether this call wrote the object */
  written: boolean;
}

/** Raised when `readModifyWrite` lost the race `maxAttempts` times in a row. */
export class ConcurrentModificationError extends Error {
  override readonly name = "ConcurrentModificationError";
  constructor(
    readonly location: string,
    readonly attempts: number,
  ) {
    super(`gave up updating ${location} after ${attempts} attempts: other writers kept changing it`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const decoder = new TextDecoder("utf-8", { fatal: false });

export class StateStore<T> {
  private readonly contentType: string;
  private readonly serialize: (value: T) => string;
  private readonly parse: (text: string) => T;

  constructor(
    readonly store: ObjectStore,
    opts: StateStoreOptions<T> = {},
  ) {
    this.contentType = opts.contentType ?? "application/json; charset=utf-8";
    this.serialize = opts.serialize ?? ((v) => `${JSON.stringify(v, null, 2)}\n`);
    this.parse = opts.parse ?? ((t) => JSON.parse(t) as T);
  }

  /** Current value and its etag, or null when the key does not exist. */
  async get(key: string): Promise<{ value: T; etag: string } | null> {
    const obj = await this.store.get(key);
    if (!obj) return null;
    const text = decoder.decode(obj.body);
    try {
      return { value: this.parse(text), etag: obj.etag };
    } catch (e) {
      throw new ObjectStoreError(
        `state object ${this.store.describe()}/${key} is unreadable: ${e instanceof Error ? e.message : String(e)}`,
        "BadState",
        undefined,
        { cause: e },
      );
    }
  }

  /**
   * Read the current value, apply `fn`, write the result only if nobody changed the object meanwhile
   * (If-Match on its etag, or If-None-Match: * when it did not exist). On a lost race, re-read and re-apply:
   * `fn` may run several times and must depend only on `prev`. Returning `null` (or an unchanged value)
   * writes nothing. Two overlapping runs can therefore never both win with stale data.
   */
  async readModifyWrite(
    key: string,
    fn: (prev: T | null) => T | null | Promise<T | null>,
    opts: ReadModifyWriteOptions = {},
  ): Promise<ReadModifyWriteResult<T>> {
    const maxAttempts = Math.max(1, opts.maxAttempts ?? 10);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await this.get(key);
      const prev = current?.value ?? null;
      const next = await fn(prev);
      if (next === null) return { value: prev, attempts: attempt, written: false };
      const text = this.serialize(next);
      if (current && text === this.serialize(current.value))
        return { value: prev, attempts: attempt, written: false };
      try {
        await this.store.put(
          key,
          text,
          current
            ? { contentType: this.contentType, ifMatch: current.etag }
            : { contentType: this.contentType, ifNoneMatch: "*" },
        );
        return { value: next, attempts: attempt, written: true };
      } catch (e) {
        if (!(e instanceof PreconditionFailedError)) throw e;
        // jittered backoff so that the losers of one round do not collide again in lockstep
        await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
      }
    }
    throw new ConcurrentModificationError(`${this.store.describe()}/${key}`, maxAttempts);
  }
}

/**
 * Create `key` only if it does not exist yet (If-None-Match: *). Returns true when this call created it,
 * false when it already existed. Among concurrent callers exactly one gets true (on stores that enforce
 * the condition: S3 and LocalObjectStore). Checks with a read first, so a sequential retry sees false
 * even on emulators that ignore If-None-Match.
 */
export async function markOnce(
  store: ObjectStore,
  key: string,
  body: string | Uint8Array,
  opts: { contentType?: string } = {},
): Promise<boolean> {
  if (await store.get(key)) return false;
  try {
    await store.put(key, body, { contentType: opts.contentType ?? contentTypeFor(key), ifNoneMatch: "*" });
    return true;
  } catch (e) {
    if (e instanceof PreconditionFailedError) return false;
    throw e;
  }
}
