/**
 * The CLI's side of the secrets boundary (DESIGN §9): one `Scrubber` for the process, and stdout/stderr
 * writes that pass through it, so console.log/error, printed reports, the outbox lines and error messages
 * never carry a secret. Commands hand the scrubber to `createRuntime`, which teaches it the config's secrets
 * (before that it already masks anything credential-shaped: URL userinfo, `Bearer x`, token parameters).
 * A secret split across two separate writes is not recognised: every printer here writes whole lines.
 */
import { Scrubber } from "@sla-monitor/core";

export const scrubber = new Scrubber();

let installed = false;

function scrubChunk(chunk: unknown): unknown {
  if (typeof chunk === "string") return scrubber.scrub(chunk);
  if (chunk instanceof Uint8Array) {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
    const out = scrubber.scrub(text);
    return out === text ? chunk : Buffer.from(out, "utf8");
  }
  return chunk;
}

/** Routes every write to process.stdout and process.stderr through the scrubber (once per process). */
export function guardOutput(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(scrubChunk(chunk), ...rest)) as typeof stream.write;
  }
}
