/**
 * Prometheus remote write 1.0: protobuf `WriteRequest`, snappy block compression, POST.
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; }
 * message TimeSeries  { repeated Label labels = 1; repeated Sample samples = 2; }
 * message Label       { string name = 1; string value = 2; }
 * message Sample      { double value = 1; int64 timestamp = 2; } // ms since the epoch
 * ```
 *
 * `write()` never throws: a failed remote write must not crash a probe run. It reports `{ ok: false, error }`
 * instead (retried once on 5xx, 429, network errors and timeouts; 4xx is final, with the server's text).
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { compress } from "snappyjs";
import { quoteUntrusted, Scrubber } from "../config/redact.js";
import { authSecrets, type PrometheusAuth, signRequest } from "./auth.js";
import { backoff, HttpFailure, safeUrl, send, sleep } from "./http.js";
import { isValidLabelName, isValidMetricName } from "./promql.js";

export interface RemoteSample {
  value: number;
  /** ms since the epoch */
  timestampMs: number;
}

export interface RemoteSeries {
  /** all labels, the metric name as `__name__` included */
  labels: Record<string, string>;
  samples: RemoteSample[];
}

export type WriteResult =
  | { ok: true; status: number; attempts: number }
  | { ok: false; status?: number; error: string; attempts: number };

export interface RemoteWriterOptions {
  /** full remote-write URL, e.g. `http://127.0.0.1:9090/api/v1/write` or `…/workspaces/ws-…/api/v1/remote_write` */
  url: string;
  auth?: PrometheusAuth;
  /** total deadline of one attempt, default 10 000 ms */
  timeoutMs?: number;
  /** retries after the first attempt, default 1 */
  retries?: number;
  /** delay before retry n, default [200] */
  backoffMs?: number[];
  userAgent?: string;
}

export interface RemoteWriter {
  write(series: RemoteSeries[]): Promise<WriteResult>;
}

export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-encoding": "snappy",
  "content-type": "application/x-protobuf",
  "x-prometheus-remote-write-version": "0.1.0",
});

/**
 * Validates and normalises the series: labels with empty values dropped (Prometheus treats them as absent),
 * labels sorted by name (byte order, as the receiver requires), samples sorted by time. Throws on invalid
 * label or metric names, a missing `__name__`, or non-integer timestamps.
 */
export function normaliseSeries(series: RemoteSeries[]): {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
}[] {
  return series.map((s, i) => {
    const name = s.labels.__name__;
    if (name === undefined || !isValidMetricName(name)) {
      throw new Error(`series ${i}: __name__ ${JSON.stringify(name)} is missing or not a valid metric name`);
    }
    const labels = Object.entries(s.labels)
      .filter(([, v]) => v !== "")
      .map(([k, v]) => {
        if (!isValidLabelName(k))
          throw new Error(`series ${i} (${name}): invalid label name ${JSON.stringify(k)}`);
        if (typeof v !== "string") throw new Error(`series ${i} (${name}): label ${k} is not a string`);
        return { name: k, value: v };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const samples = s.samples
      .map((p) => {
        if (typeof p.value !== "number")
          throw new Error(`series ${i} (${name}): sample value is not a number`);
        if (!Number.isSafeInteger(p.timestampMs)) {
          throw new Error(`series ${i} (${name}): timestamp ${p.timestampMs} is not whole milliseconds`);
        }
        return { value: p.value, timestamp: p.timestampMs };
      })
      .sort((a, b) => a.timestamp - b.timestamp);
    return { labels, samples };
  });
}

/**
 * The uncompressed protobuf `WriteRequest`, written field by field with `@bufbuild/protobuf`'s wire
 * encoder (the message is four flat types; no reflection, no generated code). Every field is written,
 * zero values included, as protobufjs did.
 */
export function encodeWriteRequest(series: RemoteSeries[]): Uint8Array {
  const w = new BinaryWriter();
  for (const { labels, samples } of normaliseSeries(series)) {
    w.tag(1, WireType.LengthDelimited).fork(); // WriteRequest.timeseries
    for (const { name, value } of labels) {
      w.tag(1, WireType.LengthDelimited).fork(); // TimeSeries.labels
      w.tag(1, WireType.LengthDelimited).string(name);
      w.tag(2, WireType.LengthDelimited).string(value);
      w.join();
    }
    for (const { value, timestamp } of samples) {
      w.tag(2, WireType.LengthDelimited).fork(); // TimeSeries.samples
      w.tag(1, WireType.Bit64).double(value);
      w.tag(2, WireType.Varint).int64(timestamp);
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** The HTTP body of a remote write: snappy (block format) of the protobuf `WriteRequest`. */
export function encodeRemoteWriteBody(series: RemoteSeries[]): Uint8Array {
  return compress(encodeWriteRequest(series));
}

// ---------------------------------------------------------------------------------------------------------

export function createRemoteWriter(options: RemoteWriterOptions): RemoteWriter {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 1;
  const delays = options.backoffMs ?? [200];
  const where = safeUrl(options.url);
  const userAgent = options.userAgent ?? "sla-monitor";
  // the server's text is quoted and cut, and never repeats this writer's own credentials
  const own = new Scrubber(authSecrets(options.auth));

  async function write(series: RemoteSeries[]): Promise<WriteResult> {
    let body: Uint8Array;
    try {
      body = encodeRemoteWriteBody(series);
    } catch (e) {
      return { ok: false, attempts: 0, error: `remote write to ${where} not sent: ${(e as Error).message}` };
    }
    for (let attempt = 1; ; attempt++) {
      let result: Extract<WriteResult, { ok: false }>;
      let retryable: boolean;
      try {
        const headers = await signRequest(options.auth, {
          method: "POST",
          url: options.url,
          headers: { ...REMOTE_WRITE_HEADERS, "user-agent": userAgent },
          body,
        });
        const res = await send({
          url: options.url,
          method: "POST",
          headers,
          body,
          timeoutMs,
        });
        if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, attempts: attempt };
        const said = own.scrub(res.body.toString("utf8").trim());
        const text = said ? quoteUntrusted(said, { scrubber: own }) : "(empty body)";
        result = {
          ok: false,
          status: res.status,
          attempts: attempt,
          error: `remote write to ${where} failed (HTTP ${res.status}) after ${attempt} attempt(s): ${text}`,
        };
        retryable = res.status >= 500 || res.status === 429;
      } catch (e) {
        const kind = e instanceof HttpFailure ? e.kind : "error";
        result = {
          ok: false,
          attempts: attempt,
          error: `remote write to ${where} failed (${kind}) after ${attempt} attempt(s): ${(e as Error).message}`,
        };
        // signing/credential errors will not go away on retry
        retryable = e instanceof HttpFailure;
      }
      if (!retryable || attempt > retries) return result;
      await sleep(backoff(delays, attempt));
    }
  }

  return {
    async write(series) {
      try {
        return await write(series);
      } catch (e) {
        return { ok: false, attempts: 0, error: `remote write to ${where} failed: ${(e as Error).message}` };
      }
    },
  };
}
