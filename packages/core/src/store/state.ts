/** Optimistic-concurrency helpers on an ObjectStore: JSON state with read-modify-write, and once-markers. */
import { randomUUID } from "node:crypto";
import { contentTypeFor } from "./content-type.js";
import { type ObjectStore, ObjectStoreError, PreconditionFailedError } from "./types.js";

export interface StateStoreOptions<T> {
  /** default `application/json; charset=utf-8` */
  contentType?: string;
  /** default `JSON.stringify(v, null, 2)` + newline */
  serialize?: (value: T) => string;
  /**
   * default `JSON.parse`. Validate the shape here too (throw on a wrong one): a `SyntaxError` is reported
   * as "not valid JSON", any other error as "wrong shape".
   */
  parse?: (text: string) => T;
}

export interface ReadModifyWriteOptions {
  /** total tries including the first (default 10); each lost race costs one */
  maxAttempts?: number;
  /**
   * Heal an object that exists but cannot be parsed (empty, truncated, wrong shape) instead of throwing
   * `ObjectStoreError` "BadState": its bytes are copied, unchanged, to `asideKey()` (create-only; a copy of
   * the same bytes already there is reused), then `fn(null, damaged)` builds the replacement, which is
   * written with If-Match on the damaged object's etag. Of several runs healing the same object, one wins
   * that write; the others re-read the healed object and apply `fn` to it as usual (their copies stay).
   */
  heal?: { asideKey: () => string };
}

/** What `readModifyWrite` (with `heal`) found in place of a readable object. */
export interface DamagedObject {
  key: string;
  /** why it could not be used, e.g. `it is empty (0 bytes)`; never quotes its content */
  reason: string;
  /** where its bytes were copied, unchanged */
  copiedTo: string;
  bytes: number;
}

export interface ReadModifyWriteResult<T> {
  /** the stored value after the call (the previous value when `fn` returned null or no change) */
  value: T | null;
  /** how many read-apply-write rounds ran (1 when nobody interfered) */
  attempts: number;
  /** whether this call wrote the object */
  written: boolean;
  /** set when this call's write replaced a damaged object (only the run that won that write sees it) */
  healed?: DamagedObject;
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

/** Why `text` did not parse, without quoting it (V8's JSON errors carry an excerpt of the input). */
function damageReason(text: string, e: unknown): string {
  if (text.trim() === "") return `it is empty (${text.length} bytes)`;
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);
  if (e instanceof SyntaxError) {
    return `it is not valid JSON (${msg.replace(/,\s*".*" is not valid JSON$/s, "")})`;
  }
  return `it has the wrong shape (${msg})`;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

/**
 * Copies `body` to `key`, create-only. The same bytes already there count as done; other bytes under that
 * name (another damaged object set aside in the same instant) get a suffixed name instead.
 */
async function copyAside(store: ObjectStore, key: string, body: Uint8Array): Promise<string> {
  const opts = { contentType: contentTypeFor(key), ifNoneMatch: "*" } as const;
  try {
    await store.put(key, body, opts);
    return key;
  } catch (e) {
    if (!(e instanceof PreconditionFailedError)) throw e;
  }
  const existing = await store.get(key);
  if (existing && sameBytes(existing.body, body)) return key;
  const dot = key.lastIndexOf(".");
  const other =
    dot > key.lastIndexOf("/")
      ? `${key.slice(0, dot)}-${randomUUID().slice(0, 8)}${key.slice(dot)}`
      : `${key}-${randomUUID().slice(0, 8)}`;
  await store.put(other, body, opts);
  return other;
}

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
    const obj = await this.read(key);
    if (obj?.damaged) throw obj.damaged;
    return obj?.value === undefined ? null : { value: obj.value, etag: obj.etag };
  }

  /**
   * Like `get`, but an object that exists and cannot be parsed does not throw: its bytes are copied, unchanged,
   * to `asideKey()` (create-only; the same bytes already there are reused, so re-reading the same damaged
   * version does not copy it twice) and it is returned as `damaged`, with the etag a replacing write must
   * match (If-Match). The caller treats it as absent.
   */
  async getOrSetAside(
    key: string,
    asideKey: () => string,
  ): Promise<
    { value: T; etag: string; damaged?: undefined } | { damaged: DamagedObject; etag: string } | null
  > {
    const raw = await this.read(key);
    if (!raw) return null;
    if (raw.damaged === undefined) return { value: raw.value, etag: raw.etag };
    return { damaged: await this.setAside(key, raw, asideKey), etag: raw.etag };
  }

  private async setAside(
    key: string,
    raw: { body: Uint8Array; reason: string },
    asideKey: () => string,
  ): Promise<DamagedObject> {
    const copiedTo = await copyAside(this.store, asideKey(), raw.body);
    return { key, reason: raw.reason, copiedTo, bytes: raw.body.byteLength };
  }

  /** The raw object and its parsed value, or the BadState error that parsing raised. */
  private async read(
    key: string,
  ): Promise<
    | { etag: string; body: Uint8Array; value: T; damaged?: undefined }
    | { etag: string; body: Uint8Array; value?: undefined; damaged: ObjectStoreError; reason: string }
    | null
  > {
    const obj = await this.store.get(key);
    if (!obj) return null;
    const text = decoder.decode(obj.body);
    try {
      return { etag: obj.etag, body: obj.body, value: this.parse(text) };
    } catch (e) {
      const damaged = new ObjectStoreError(
        `state object ${this.store.describe()}/${key} is unreadable: ${e instanceof Error ? e.message : String(e)}`,
        "BadState",
        undefined,
        { cause: e },
      );
      return { etag: obj.etag, body: obj.body, damaged, reason: damageReason(text, e) };
    }
  }

  /**
   * Read the current value, apply `fn`, write the result only if nobody changed the object meanwhile
   * (If-Match on its etag, or If-None-Match: * when it did not exist). On a lost race, re-read and re-apply:
   * `fn` may run several times and must depend only on `prev`. Returning `null` (or an unchanged value)
   * writes nothing. Two overlapping runs can therefore never both win with stale data.
   * An unreadable object throws `ObjectStoreError` "BadState", unless `opts.heal` is set (see there); then
   * `fn` gets `damaged` and `prev` is null.
   */
  async readModifyWrite(
    key: string,
    fn: (prev: T | null, damaged?: DamagedObject) => T | null | Promise<T | null>,
    opts: ReadModifyWriteOptions = {},
  ): Promise<ReadModifyWriteResult<T>> {
    const maxAttempts = Math.max(1, opts.maxAttempts ?? 10);
    // one copy per damaged version, however many rounds this call needs
    const copied = new Map<string, DamagedObject>();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const raw = await this.read(key);
      let damaged: DamagedObject | undefined;
      if (raw?.damaged) {
        if (!opts.heal) throw raw.damaged;
        damaged = copied.get(raw.etag);
        if (!damaged) {
          damaged = await this.setAside(key, raw, opts.heal.asideKey);
          copied.set(raw.etag, damaged);
        }
      }
      const current = raw && raw.value !== undefined ? { value: raw.value, etag: raw.etag } : null;
      const prev = current?.value ?? null;
      const next = await (damaged ? fn(null, damaged) : fn(prev));
      if (next === null) return { value: prev, attempts: attempt, written: false };
      const text = this.serialize(next);
      if (current && text === this.serialize(current.value))
        return { value: prev, attempts: attempt, written: false };
      try {
        await this.store.put(
          key,
          text,
          raw
            ? { contentType: this.contentType, ifMatch: raw.etag }
            : { contentType: this.contentType, ifNoneMatch: "*" },
        );
        return { value: next, attempts: attempt, written: true, ...(damaged ? { healed: damaged } : {}) };
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
