import { describe, expect, it } from "vitest";
import { ScrubbingObjectStore } from "./boundary.js";
import { Scrubber } from "./config/redact.js";
import type { ObjectStore, PutOptions, StoredObject } from "./store/types.js";

/** An in-memory store: what the boundary hands on is exactly what would be written. */
class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  describe() {
    return "memory";
  }
  async put(key: string, body: string | Uint8Array, _opts?: PutOptions) {
    this.objects.set(key, typeof body === "string" ? body : new TextDecoder().decode(body));
    return { etag: String(this.objects.size) };
  }
  async get(key: string): Promise<StoredObject | null> {
    const v = this.objects.get(key);
    return v === undefined ? null : { body: new TextEncoder().encode(v), etag: "1" };
  }
  async list(prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix));
  }
}

describe("ScrubbingObjectStore", () => {
  const secrets = ["123456", "tok-SECRET-9f8e7d"];

  it("scrubs JSON value by value: numbers and keywords are never rewritten, secrets in strings are", async () => {
    const inner = new MemoryStore();
    const store = new ScrubbingObjectStore(inner, new Scrubber(secrets));
    const doc = {
      attainment: 0.9991234567,
      degraded: false,
      state: "sent",
      note: "Bearer tok-SECRET-9f8e7d",
    };
    await store.put("state/x.json", JSON.stringify(doc));
    const stored = JSON.parse(inner.objects.get("state/x.json")!) as typeof doc;
    expect(stored.attainment).toBe(0.9991234567);
    expect(stored.degraded).toBe(false);
    expect(stored.state).toBe("sent");
    expect(stored.note).not.toContain("tok-SECRET-9f8e7d");
    expect(stored.note).toContain("redacted");
  });

  it("keeps the exact bytes of JSON without secrets, and scrubs other text as text", async () => {
    const inner = new MemoryStore();
    const store = new ScrubbingObjectStore(inner, new Scrubber(secrets));
    const text = '{"a":  1,\n "b": "x"}';
    await store.put("k.json", text);
    expect(inner.objects.get("k.json")).toBe(text);
    await store.put("r.txt", "token tok-SECRET-9f8e7d here");
    expect(inner.objects.get("r.txt")).not.toContain("tok-SECRET-9f8e7d");
  });
});
