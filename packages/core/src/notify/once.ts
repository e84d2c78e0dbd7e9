/**
 * Publish at most once per key, retry-safe: a marker object records the claim and the outcome.
 *
 * marker absent           -> claim it (If-None-Match: *), publish, mark "sent"
 * "sent"                  -> do nothing (already sent)
 * "failed"                -> the previous attempt's publish failed: re-claim (If-Match) and publish
 * "sending", fresh        -> another invocation is publishing right now: do nothing
 * "sending", older than   -> its invocation died between claim and outcome (Lambda runs at most 15 min):
 *   the lease                re-claim and publish. This is the one case that can send twice (when the
 *                             dead invocation's publish had reached SNS); it needs a crash in a window of
 *                             milliseconds, and is preferred over losing the notification.
 * Concurrent callers race on the conditional writes: one wins the claim, the others re-read.
 * `publishOnceEach` does the same for several events in one message (a run's breach digest): one marker per
 * event, one publish.
 */
import type { ObjectStore } from "../store/index.js";
import { ConcurrentModificationError, PreconditionFailedError, StateStore } from "../store/index.js";
import type { Notification, Notifier } from "./types.js";

export interface PublishMarker {
  state: "sending" | "sent" | "failed";
  kind: Notification["kind"];
  subject: string;
  dedupeKey?: string;
  claimedAt: string;
  /** publish attempts so far (claims) */
  attempt: number;
  id?: string;
  sentAt?: string;
  error?: string;
  failedAt?: string;
}

export interface PublishOnceResult {
  /** true when this call published the message */
  published: boolean;
  state: "published" | "already-sent" | "in-progress";
  /** the notifier's message id (this call's, or the earlier one for already-sent) */
  id?: string;
  /** set when the message was published but the "sent" marker could not be written */
  markerError?: string;
}

export interface PublishOnceOptions {
  /** a "sending" claim older than this is considered abandoned (default 15 min) */
  leaseMs?: number;
  /** conditional-write races to tolerate (default 5) */
  maxAttempts?: number;
}

export async function publishOnce(
  store: ObjectStore,
  notifier: Notifier,
  key: string,
  msg: Notification,
  now: Date = new Date(),
  opts: PublishOnceOptions = {},
): Promise<PublishOnceResult> {
  const leaseMs = opts.leaseMs ?? 15 * 60_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const markers = new StateStore<PublishMarker>(store);
  const ser = (m: PublishMarker) => `${JSON.stringify(m, null, 2)}\n`;
  const contentType = "application/json; charset=utf-8";

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const cur = await markers.get(key);
    if (cur?.value.state === "sent") {
      return { published: false, state: "already-sent", ...(cur.value.id ? { id: cur.value.id } : {}) };
    }
    if (cur?.value.state === "sending" && now.getTime() - Date.parse(cur.value.claimedAt) < leaseMs) {
      return { published: false, state: "in-progress" };
    }
    const claim: PublishMarker = {
      state: "sending",
      kind: msg.kind,
      subject: msg.subject,
      ...(msg.dedupeKey ? { dedupeKey: msg.dedupeKey } : {}),
      claimedAt: now.toISOString(),
      attempt: (cur?.value.attempt ?? 0) + 1,
    };
    let claimEtag: string;
    try {
      claimEtag = (
        await store.put(
          key,
          ser(claim),
          cur ? { contentType, ifMatch: cur.etag } : { contentType, ifNoneMatch: "*" },
        )
      ).etag;
    } catch (e) {
      if (e instanceof PreconditionFailedError) continue; // someone else claimed or finished: re-read
      throw e;
    }

    let id: string;
    try {
      id = (await notifier.publish(msg)).id;
    } catch (e) {
      const failed: PublishMarker = {
        ...claim,
        state: "failed",
        error: e instanceof Error ? e.message : String(e),
        failedAt: new Date().toISOString(),
      };
      await store.put(key, ser(failed), { contentType, ifMatch: claimEtag }).catch(() => {});
      throw e;
    }

    const sent: PublishMarker = { ...claim, state: "sent", id, sentAt: new Date().toISOString() };
    let markerError: string | undefined;
    for (let i = 0; i < 3; i++) {
      try {
        await store.put(key, ser(sent), { contentType, ifMatch: claimEtag });
        markerError = undefined;
        break;
      } catch (e) {
        markerError = e instanceof Error ? e.message : String(e);
        if (e instanceof PreconditionFailedError) break;
        await new Promise((r) => setTimeout(r, 250 * 2 ** i)); // a transient store error: wait, then retry
      }
    }
    return { published: true, state: "published", id, ...(markerError ? { markerError } : {}) };
  }
  throw new ConcurrentModificationError(`${store.describe()}/${key}`, maxAttempts);
}

export interface PublishEachResult {
  /** names of the events this call published (all in one message) */
  published: string[];
  /** names already sent by an earlier call, or being sent by another invocation right now */
  alreadySent: string[];
  /** the notifier's message id, when this call published */
  id?: string;
  /** markers that could not be set to "sent" after the publish (key: error) */
  markerErrors?: string[];
}

/**
 * Several events (a run's breaches) in ONE message, each at most once, each with its own marker (`keys`, by
 * event name; the same keys as one message per event would have, so no store listing is needed): every
 * event's marker is claimed as `publishOnce` does, the message is built for the events this call claimed
 * (`build`), published once, and every claimed marker is then marked "sent" (or "failed" when the publish
 * failed, and the error is thrown). Events already sent, or claimed by a live invocation, are left out, so a
 * retry publishes only what is missing. Two invocations at once may each send a part; none is sent twice
 * (except after a crash between publish and marker, as with `publishOnce`).
 */
export async function publishOnceEach(
  store: ObjectStore,
  notifier: Notifier,
  keys: ReadonlyMap<string, string>,
  build: (names: string[]) => Notification,
  now: Date = new Date(),
  opts: PublishOnceOptions & { kind?: Notification["kind"] } = {},
): Promise<PublishEachResult> {
  const leaseMs = opts.leaseMs ?? 15 * 60_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const markers = new StateStore<PublishMarker>(store);
  const ser = (m: PublishMarker) => `${JSON.stringify(m, null, 2)}\n`;
  const contentType = "application/json; charset=utf-8";
  const claimed: { name: string; key: string; etag: string; claim: PublishMarker }[] = [];
  const alreadySent: string[] = [];
  for (const [name, key] of keys) {
    let done = false;
    for (let attempt = 1; attempt <= maxAttempts && !done; attempt++) {
      const cur = await markers.get(key);
      const live =
        cur?.value.state === "sending" && now.getTime() - Date.parse(cur.value.claimedAt) < leaseMs;
      if (cur?.value.state === "sent" || live) {
        alreadySent.push(name);
        done = true;
        break;
      }
      const claim: PublishMarker = {
        state: "sending",
        kind: opts.kind ?? "breach",
        subject: `(one message for up to ${keys.size} event(s); its subject once sent)`,
        claimedAt: now.toISOString(),
        attempt: (cur?.value.attempt ?? 0) + 1,
      };
      try {
        const { etag } = await store.put(
          key,
          ser(claim),
          cur ? { contentType, ifMatch: cur.etag } : { contentType, ifNoneMatch: "*" },
        );
        claimed.push({ name, key, etag, claim });
        done = true;
      } catch (e) {
        if (!(e instanceof PreconditionFailedError)) {
          await releaseClaims(store, claimed, ser, e);
          throw e;
        }
        // someone else claimed or finished: re-read
      }
    }
    if (!done) {
      await releaseClaims(store, claimed, ser, new Error("claim raced"));
      throw new ConcurrentModificationError(`${store.describe()}/${key}`, maxAttempts);
    }
  }
  if (claimed.length === 0) return { published: [], alreadySent };

  const msg = build(claimed.map((c) => c.name));
  let id: string;
  try {
    id = (await notifier.publish(msg)).id;
  } catch (e) {
    await releaseClaims(store, claimed, ser, e);
    throw e;
  }
  const markerErrors: string[] = [];
  for (const c of claimed) {
    const sent: PublishMarker = {
      ...c.claim,
      kind: msg.kind,
      subject: msg.subject,
      ...(msg.dedupeKey ? { dedupeKey: msg.dedupeKey } : {}),
      state: "sent",
      id,
      sentAt: new Date().toISOString(),
    };
    let error: string | undefined;
    for (let i = 0; i < 3; i++) {
      try {
        await store.put(c.key, ser(sent), { contentType, ifMatch: c.etag });
        error = undefined;
        break;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        if (e instanceof PreconditionFailedError) break;
        await new Promise((r) => setTimeout(r, 250 * 2 ** i)); // a transient store error: wait, then retry
      }
    }
    if (error !== undefined) markerErrors.push(`${c.key}: ${error}`);
  }
  return {
    published: claimed.map((c) => c.name),
    alreadySent,
    id,
    ...(markerErrors.length > 0 ? { markerErrors } : {}),
  };
}

/** Marks this call's claims "failed" (best effort), so that the next run claims them again at once. */
async function releaseClaims(
  store: ObjectStore,
  claimed: { key: string; etag: string; claim: PublishMarker }[],
  ser: (m: PublishMarker) => string,
  e: unknown,
): Promise<void> {
  for (const c of claimed) {
    const failed: PublishMarker = {
      ...c.claim,
      state: "failed",
      error: e instanceof Error ? e.message : String(e),
      failedAt: new Date().toISOString(),
    };
    await store
      .put(c.key, ser(failed), { contentType: "application/json; charset=utf-8", ifMatch: c.etag })
      .catch(() => {});
  }
}
