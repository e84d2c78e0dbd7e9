/**
 * Tests, benchmarks and the demo send traffic to loopback only (127.0.0.0/8, ::1). This check fails when any
 * of their files names an IPv4 literal outside 127.0.0.0/8, a wildcard bind address included: a
 * "non-routable" address is routed somewhere on some networks, and a private or public one is someone's.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
/** what the tests, the benches and the demo (the CLI and the local infrastructure it starts) are made of */
const SCANNED = ["test", "bench", "packages/cli", "infra/local"];
const SOURCE = /\.(ts|mts|mjs|js|json|ya?ml|sh|py)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "out") return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : SOURCE.test(name) ? [p] : [];
  });
}

const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;

/** IPv4 literals outside 127.0.0.0/8 in `text`, as `line: address`. */
function nonLoopbackIpv4(text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(IPV4)) {
      const octets = m.slice(1, 5).map(Number);
      if (octets.some((o) => o > 255)) continue; // not an address (a version or a number)
      if (octets[0] !== 127) out.push(`${i + 1}: ${m[0]}`);
    }
  });
  return out;
}

describe("loopback only", () => {
  it("recognises what it looks for", () => {
    // the addresses are assembled, so that this file passes its own check
    const off = [10, 255, 255, 1].join(".");
    const any = [0, 0, 0, 0].join(".");
    const sample = ['url: "http://127.0.0.1:9090"', "host 127.1.2.3", `dial ${off}`, `bind ${any}:80`];
    expect(nonLoopbackIpv4(sample.join("\n"))).toEqual([`3: ${off}`, `4: ${any}`]);
    expect(nonLoopbackIpv4("version 1.2.3 and 300.1.1.1")).toEqual([]);
  });

  it("no test, bench or demo file names an IPv4 address outside 127.0.0.0/8", () => {
    const scanned = SCANNED.flatMap((d) => files(join(ROOT, d)));
    expect(scanned.length).toBeGreaterThan(50);
    const found = scanned.flatMap((f) =>
      nonLoopbackIpv4(readFileSync(f, "utf8")).map((hit) => `${relative(ROOT, f)}:${hit}`),
    );
    expect(found).toEqual([]);
  });
});
