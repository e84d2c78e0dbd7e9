/**
 * The one boundary for secrets (DESIGN §9): wrappers around the adapters through which bytes leave the
 * process, each passing them through the runtime's `Scrubber`: object store writes (report documents and
 * index, breach state, publish markers), notifications (every text of the message, before SNS or the
 * outbox builds its per-protocol bodies), remote-write labels; and the errors those adapters throw.
 * `createRuntime` wires them; the CLI's stdout/stderr and the Lambdas' logger, results and errors use the
 * same scrubber (packages/cli/src/output.ts, packages/functions/src/shared.ts).
 */
import type { Scrubber } from "./config/redact.js";
import type { SsmResolver } from "./config/secrets.js";
import type { Notification, Notifier } from "./notify/types.js";
import type { RemoteSeries, RemoteWriter, WriteResult } from "./prometheus/remote-write.js";
import type { ObjectStore, PutOptions, StoredObject } from "./store/types.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A text body scrubbed; a body that is not UTF-8 text is passed as it is. A JSON body (state, markers, the
 * report document, the index) is scrubbed value by value, never as raw text: a secret that happens to read
 * like `1234` or `false` must not rewrite a number or a keyword (that made state unreadable, so it healed
 * every run and never reached DOWN). Unchanged JSON keeps its exact bytes.
 */
function scrubBody(body: string | Uint8Array, scrubber: Scrubber): string | Uint8Array {
  let text: string;
  if (typeof body === "string") text = body;
  else {
    try {
      text = utf8.decode(body);
    } catch {
      return body;
    }
  }
  const json = parseJson(text);
  if (json !== undefined) {
    const clean = scrubber.scrubDeep(json.value);
    return JSON.stringify(clean) === JSON.stringify(json.value)
      ? body
      : `${JSON.stringify(clean, null, 2)}\n`;
  }
  const out = scrubber.scrub(text);
  return out === text ? body : out;
}

function parseJson(text: string): { value: unknown } | undefined {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Every object written passes the scrubber; errors of every call are scrubbed (their class is kept). */
export class ScrubbingObjectStore implements ObjectStore {
  constructor(
    readonly inner: ObjectStore,
    private readonly scrubber: Scrubber,
  ) {}

  describe(): string {
    return this.inner.describe();
  }

  async put(key: string, body: string | Uint8Array, opts?: PutOptions): Promise<{ etag: string }> {
    try {
      return await this.inner.put(key, scrubBody(body, this.scrubber), opts);
    } catch (e) {
      throw this.scrubber.scrubError(e);
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      return await this.inner.get(key);
    } catch (e) {
      throw this.scrubber.scrubError(e);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      return await this.inner.list(prefix);
    } catch (e) {
      throw this.scrubber.scrubError(e);
    }
  }
}

/**
 * Every text of a notification (subject, email text, chat title/description/steps/keywords, attributes,
 * report URL) passes the scrubber before the inner notifier builds what it sends; so does a publish error.
 */
export class ScrubbingNotifier implements Notifier {
  constructor(
    readonly inner: Notifier,
    private readonly scrubber: Scrubber,
  ) {}

  describe(): string {
    const d = (this.inner as { describe?: () => string }).describe;
    return d ? d.call(this.inner) : "notifier";
  }

  async publish(msg: Notification): Promise<{ id: string }> {
    try {
      return await this.inner.publish(this.scrubber.scrubDeep(msg));
    } catch (e) {
      throw this.scrubber.scrubError(e);
    }
  }
}

/** Label values written to Prometheus pass the scrubber; so does the error text of a failed write. */
export function scrubbingWriter(inner: RemoteWriter, scrubber: Scrubber): RemoteWriter {
  return {
    async write(series: RemoteSeries[]): Promise<WriteResult> {
      const r = await inner.write(series.map((s) => ({ ...s, labels: scrubber.scrubDeep(s.labels) })));
      return r.ok ? r : { ...r, error: scrubber.scrub(r.error) };
    },
  };
}

/** An SSM resolver that teaches the scrubber every value it reads (header and auth secrets behind `{ ssm }`). */
export function learningSsm(inner: SsmResolver, scrubber: Scrubber): SsmResolver {
  return async (name) => {
    const value = await inner(name);
    scrubber.add(value);
    return value;
  };
}
