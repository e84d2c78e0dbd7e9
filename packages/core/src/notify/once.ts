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
 *
 * A damaged marker (empty, truncated, not a marker) never silences a notification: its bytes are copied aside
 * (`corruptMarkerKey`), it is read as absent (a duplicate is better than silence), the message that goes out
 * says so (`markerResetNote`), and the result lists it (`markersReset`) for the run's log. The publish
 * replaces it with a valid marker, so it is reported once.
 */
import * as z from "zod";
import type { DamagedObject, ObjectStore } from "../store/index.js";
import {
  ConcurrentModificationError,
  ObjectStoreError,
  PreconditionFailedError,
  StateStore,
} from "../store/index.js";
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
  /** damaged markers this call set aside and replaced (read as absent; the message says so) */
  markersReset?: DamagedObject[];
}

export interface PublishOnceOptions {
  /** a "sending" claim older than this is considered abandoned (default 15 min) */
  leaseMs?: number;
  /** conditional-write races to tolerate (default 5) */
  maxAttempts?: number;
}

const MarkerSchema = z.looseObject({
  state: z.enum(["sending", "sent", "failed"]),
  kind: z.string(),
  subject: z.string(),
  claimedAt: z.string(),
  attempt: z.number().int().nonnegative(),
});

/** Parses a marker; throws SyntaxError (not JSON) or Error naming the first problems (another shape). */
function parseMarker(text: string): PublishMarker {
  const parsed = MarkerSchema.safeParse(JSON.parse(text));
  if (parsed.success) return parsed.data as PublishMarker;
  throw new Error(
    parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`)
      .join("; "),
  );
}

/** Where a damaged marker is copied (bytes unchanged): next to it, `<marker>.corrupt-2026-11-01T05-00-00-000Z.json`. */
export const corruptMarkerKey = (key: string, at: Date) =>
  `${key.replace(/\.json$/, "")}.corrupt-${at.toISOString().replace(/[:.]/g, "-")}.json`;

/** The line a message gets when it went out over damaged markers (email text; the notify text layer). */
export function markerResetNote(resets: readonly DamagedObject[]): string {
  const one = (d: DamagedObject) => `${d.key} (${d.reason}; the damaged copy is ${d.copiedTo})`;
  return (
    `Note: the record of whether this was sent before was unreadable and was replaced, so this message may ` +
    `repeat one sent earlier: ${resets.map(one).join("; ")}.`
  );
}

function withResetNote(msg: Notification, resets: readonly DamagedObject[]): Notification {
  if (resets.length === 0) return msg;
  return { ...msg, text: `${msg.text.replace(/\n*$/, "")}\n\n${markerResetNote(resets)}\n` };
}

type MarkerRead = { marker: PublishMarker | null; etag: string; damaged?: DamagedObject } | null;

/** The marker at `key`: null when absent; a damaged one is set aside and read as no marker (with its etag). */
async function readMarker(markers: StateStore<PublishMarker>, key: string, now: Date): Promise<MarkerRead> {
  const cur = await markers.getOrSetAside(key, () => corruptMarkerKey(key, now));
  if (!cur) return null;
  if (cur.damaged) return { marker: null, etag: cur.etag, damaged: cur.damaged };
  return { marker: cur.value, etag: cur.etag };
}

const CONTENT_TYPE = "application/json; charset=utf-8";
const ser = (m: PublishMarker) => `${JSON.stringify(m, null, 2)}\n`;
const markerStore = (store: ObjectStore) =>
  new StateStore<PublishMarker>(store, { contentType: CONTENT_TYPE, serialize: ser, parse: parseMarker });

/** Whether a marker holds off a new publish: already sent, or claimed by a live invocation. */
function settled(m: PublishMarker | null, now: Date, leaseMs: number): "sent" | "live" | undefined {
  if (m?.state === "sent") return "sent";
  if (m?.state === "sending" && now.getTime() - Date.parse(m.claimedAt) < leaseMs) return "live";
  return undefined;
}

/** Claims `key` over what was read (If-Match on it, or If-None-Match: * when absent); null when raced. */
async function claimMarker(
  store: ObjectStore,
  key: string,
  cur: MarkerRead,
  claim: PublishMarker,
): Promise<string | null> {
  try {
    const opts = cur ? { ifMatch: cur.etag } : { ifNoneMatch: "*" as const };
    return (await store.put(key, ser(claim), { contentType: CONTENT_TYPE, ...opts })).etag;
  } catch (e) {
    if (e instanceof PreconditionFailedError) return null; // someone else claimed or finished: re-read
    throw e;
  }
}

/** Writes the "sent" marker over this call's claim; a transient store error is retried. Returns the error, if any. */
async function markSent(store: ObjectStore, key: string, sent: PublishMarker, etag: string) {
  let error: string | undefined;
  for (let i = 0; i < 3; i++) {
    try {
      await store.put(key, ser(sent), { contentType: CONTENT_TYPE, ifMatch: etag });
      return undefined;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      if (e instanceof PreconditionFailedError) break;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i)); // a transient store error: wait, then retry
    }
  }
  return error;
}

/** Whether the marker at `key` records a sent message (absent, damaged, failed or in progress: false). */
export async function wasSent(store: ObjectStore, key: string): Promise<boolean> {
  try {
    return (await markerStore(store).get(key))?.value.state === "sent";
  } catch (e) {
    if (e instanceof ObjectStoreError && e.code === "BadState") return false;
    throw e;
  }
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
  const markers = markerStore(store);

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const cur = await readMarker(markers, key, now);
    const held = settled(cur?.marker ?? null, now, leaseMs);
    if (held === "sent") {
      return { published: false, state: "already-sent", ...(cur?.marker?.id ? { id: cur.marker.id } : {}) };
    }
    if (held === "live") return { published: false, state: "in-progress" };
    const claim: PublishMarker = {
      state: "sending",
      kind: msg.kind,
      subject: msg.subject,
      ...(msg.dedupeKey ? { dedupeKey: msg.dedupeKey } : {}),
      claimedAt: now.toISOString(),
      attempt: (cur?.marker?.attempt ?? 0) + 1,
    };
    const claimEtag = await claimMarker(store, key, cur, claim);
    if (claimEtag === null) continue;
    const resets = cur?.damaged ? [cur.damaged] : [];

    let id: string;
    try {
      id = (await notifier.publish(withResetNote(msg, resets))).id;
    } catch (e) {
      await releaseClaims(store, [{ key, etag: claimEtag, claim }], e);
      throw e;
    }

    const sent: PublishMarker = { ...claim, state: "sent", id, sentAt: new Date().toISOString() };
    const markerError = await markSent(store, key, sent, claimEtag);
    return {
      published: true,
      state: "published",
      id,
      ...(markerError ? { markerError } : {}),
      ...(resets.length > 0 ? { markersReset: resets } : {}),
    };
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
  /** damaged markers this call set aside and replaced (read as absent; the message says so) */
  markersReset?: DamagedObject[];
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
  const markers = markerStore(store);
  const claimed: { name: string; key: string; etag: string; claim: PublishMarker }[] = [];
  const alreadySent: string[] = [];
  const resets: DamagedObject[] = [];
  for (const [name, key] of keys) {
    let done = false;
    for (let attempt = 1; attempt <= maxAttempts && !done; attempt++) {
      let cur: MarkerRead;
      let etag: string | null;
      const claim: PublishMarker = {
        state: "sending",
        kind: opts.kind ?? "breach",
        subject: `(one message for up to ${keys.size} event(s); its subject once sent)`,
        claimedAt: now.toISOString(),
        attempt: 1,
      };
      try {
        cur = await readMarker(markers, key, now);
        if (settled(cur?.marker ?? null, now, leaseMs)) {
          alreadySent.push(name);
          done = true;
          break;
        }
        claim.attempt = (cur?.marker?.attempt ?? 0) + 1;
        etag = await claimMarker(store, key, cur, claim);
      } catch (e) {
        await releaseClaims(store, claimed, e);
        throw e;
      }
      if (etag === null) continue;
      claimed.push({ name, key, etag, claim });
      if (cur?.damaged) resets.push(cur.damaged);
      done = true;
    }
    if (!done) {
      await releaseClaims(store, claimed, new Error("claim raced"));
      throw new ConcurrentModificationError(`${store.describe()}/${key}`, maxAttempts);
    }
  }
  if (claimed.length === 0) return { published: [], alreadySent };

  const msg = withResetNote(build(claimed.map((c) => c.name)), resets);
  let id: string;
  try {
    id = (await notifier.publish(msg)).id;
  } catch (e) {
    await releaseClaims(store, claimed, e);
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
    const error = await markSent(store, c.key, sent, c.etag);
    if (error !== undefined) markerErrors.push(`${c.key}: ${error}`);
  }
  return {
    published: claimed.map((c) => c.name),
    alreadySent,
    id,
    ...(markerErrors.length > 0 ? { markerErrors } : {}),
    ...(resets.length > 0 ? { markersReset: resets } : {}),
  };
}

/** Marks this call's claims "failed" (best effort), so that the next run claims them again at once. */
async function releaseClaims(
  store: ObjectStore,
  claimed: { key: string; etag: string; claim: PublishMarker }[],
  e: unknown,
): Promise<void> {
  for (const c of claimed) {
    const failed: PublishMarker = {
      ...c.claim,
      state: "failed",
      error: e instanceof Error ? e.message : String(e),
      failedAt: new Date().toISOString(),
    };
    await store.put(c.key, ser(failed), { contentType: CONTENT_TYPE, ifMatch: c.etag }).catch(() => {});
  }
}
