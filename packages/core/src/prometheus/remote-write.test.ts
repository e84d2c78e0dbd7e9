import protobuf from "protobufjs";
import { uncompress } from "snappyjs";
import { describe, expect, it } from "vitest";
import {
  createRemoteWriter,
  encodeRemoteWriteBody,
  encodeWriteRequest,
  REMOTE_WRITE_HEADERS,
} from "./remote-write.js";

// The schema from prometheus/prompb (remote.proto + types.proto), parsed independently of the encoder's
// reflection-built types.
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType("prometheus.WriteRequest");

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
  }[];
}
function decode(body: Uint8Array): Decoded {
  const raw = uncompress(body);
  return WriteRequest.toObject(WriteRequest.decode(raw), { longs: Number, defaults: true }) as Decoded;
}

describe("remote write encoding", () => {
  it("round-trips through snappy and protobuf with labels sorted by name", () => {
    const now = 1_795_000_000_123;
    const body = encodeRemoteWriteBody([
      {
        labels: {
          target: "api",
          __name__: "probe_success",
          job: "sla-monitor",
          instance: "https://a.test/",
          Zone: "z",
        },
        samples: [
          { value: 0, timestampMs: now + 60_000 },
          { value: 1, timestampMs: now },
        ],
      },
      {
        labels: { __name__: "probe_duration_seconds", target: 'we"ird\\\nvalue ü' },
        samples: [
          { value: 0.123456789, timestampMs: now },
          { value: Number.NaN, timestampMs: now + 1 },
          { value: Number.POSITIVE_INFINITY, timestampMs: now + 2 },
          { value: -1e-300, timestampMs: now + 3 },
        ],
      },
    ]);
    const d = decode(body);
    expect(d.timeseries).toHaveLength(2);
    const [a, b] = d.timeseries;
    // byte order: upper case before "_", "_" before lower case
    expect(a!.labels.map((l) => l.name)).toEqual(["Zone", "__name__", "instance", "job", "target"]);
    expect(a!.labels.find((l) => l.name === "__name__")!.value).toBe("probe_success");
    expect(a!.samples).toEqual([
      { value: 1, timestamp: now },
      { value: 0, timestamp: now + 60_000 },
    ]);
    expect(b!.labels).toEqual([
      { name: "__name__", value: "probe_duration_seconds" },
      { name: "target", value: 'we"ird\\\nvalue ü' },
    ]);
    expect(b!.samples.map((s) => s.value)).toEqual([
      0.123456789,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1e-300,
    ]);
    expect(b!.samples.map((s) => s.timestamp)).toEqual([now, now + 1, now + 2, now + 3]);
  });

  it("compresses (snappy block format) a repetitive payload", () => {
    const series = Array.from({ length: 50 }, (_, i) => ({
      labels: { __name__: "probe_success", job: "sla-monitor", target: `t${i}` },
      samples: [{ value: 1, timestampMs: 1_795_000_000_000 }],
    }));
    const raw = encodeWriteRequest(series);
    const body = encodeRemoteWriteBody(series);
    expect(body.length).toBeLessThan(raw.length / 2);
    expect(Buffer.from(uncompress(body))).toEqual(Buffer.from(raw));
  });

  it("drops empty label values (Prometheus treats them as absent)", () => {
    const d = decode(
      encodeRemoteWriteBody([
        { labels: { __name__: "up", empty: "", job: "j" }, samples: [{ value: 1, timestampMs: 1 }] },
      ]),
    );
    expect(d.timeseries[0]!.labels.map((l) => l.name)).toEqual(["__name__", "job"]);
  });

  it.each([
    [{ job: "x" }, /__name__ .* missing/],
    [{ __name__: "bad-name" }, /not a valid metric name/],
    [{ __name__: "up", "bad-label": "x" }, /invalid label name "bad-label"/],
  ])("rejects invalid labels %j", (labels, error) => {
    expect(() => encodeWriteRequest([{ labels, samples: [{ value: 1, timestampMs: 1 }] }])).toThrow(error);
  });

  it("rejects fractional timestamps", () => {
    expect(() =>
      encodeWriteRequest([{ labels: { __name__: "up" }, samples: [{ value: 1, timestampMs: 1.5 }] }]),
    ).toThrow(/not whole milliseconds/);
  });

  it("sends the remote-write 1.0 headers", () => {
    expect(REMOTE_WRITE_HEADERS).toEqual({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
    });
  });

  it("returns ok:false instead of throwing on invalid series, without sending", async () => {
    const w = createRemoteWriter({ url: "http://127.0.0.1:9/api/v1/write" });
    const r = await w.write([{ labels: { job: "x" }, samples: [] }]);
    expect(r).toMatchObject({ ok: false, attempts: 0 });
    expect(!r.ok && r.error).toMatch(/not sent: series 0: __name__/);
  });
});
