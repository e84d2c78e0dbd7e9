/** LocalObjectStore on a real temp folder: semantics, atomicity, and concurrency of conditional writes. */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConcurrentModificationError,
  LOCAL_STORE_INTERNAL_DIR,
  LocalObjectStore,
  markOnce,
  ObjectStoreError,
  PreconditionFailedError,
  StateStore,
} from "../../packages/core/src/store/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

describe("LocalObjectStore basics", () => {
  it("round-trips text and binary bodies with sha256 etags and extension content types", async () => {
    const store = new LocalObjectStore({ dir });
    const bin = new Uint8Array(256).map((_, i) => i);
    const r1 = await store.put("reports/monthly/2026-10/report.json", '{"a":1}\n');
    const r2 = await store.put("reports/monthly/2026-10/raw.bin", bin);
    expect(r1.etag).toBe(sha('{"a":1}\n'));
    expect(r2.etag).toBe(sha(bin));

    const j = await store.get("reports/monthly/2026-10/report.json");
    expect(text(j!.body)).toBe('{"a":1}\n');
    expect(j!.etag).toBe(r1.etag);
    expect(j!.contentType).toBe("application/json; charset=utf-8");
    const b = await store.get("reports/monthly/2026-10/raw.bin");
    expect(Array.from(b!.body)).toEqual(Array.from(bin));
    expect(b!.contentType).toBe("application/octet-stream");

    // the files are plain files at the key's path
    expect(await readFile(join(dir, "reports/monthly/2026-10/report.json"), "utf8")).toBe('{"a":1}\n');
    expect(await store.get("reports/monthly/2026-10/missing.json")).toBeNull();
    expect(await store.get("reports/monthly")).toBeNull(); // a folder is not an object
  });

  it("lists by prefix, sorted, without internal files", async () => {
    const store = new LocalObjectStore({ dir });
    for (const k of ["b/2.txt", "a/1.txt", "a/sub/3.txt", "ab.txt", "c.txt"]) await store.put(k, k);
    await store.put("m.json", "{}", { ifNoneMatch: "*" });
    await store.put("m.json", "{ }", { ifMatch: sha("{}") }); // creates the lock dir
    expect(await store.list("")).toEqual(["a/1.txt", "a/sub/3.txt", "ab.txt", "b/2.txt", "c.txt", "m.json"]);
    expect(await store.list("a/")).toEqual(["a/1.txt", "a/sub/3.txt"]);
    expect(await store.list("a")).toEqual(["a/1.txt", "a/sub/3.txt", "ab.txt"]);
    expect(await store.list("a/su")).toEqual(["a/sub/3.txt"]);
    expect(await store.list("zzz/")).toEqual([]);
    expect(await new LocalObjectStore({ dir: join(dir, "does-not-exist") }).list("")).toEqual([]);
    // no temp files left behind
    expect(await readdir(join(dir, LOCAL_STORE_INTERNAL_DIR, "tmp"))).toEqual([]);
  });

  it("rejects keys that would escape the folder or use the reserved folder", async () => {
    const store = new LocalObjectStore({ dir });
    for (const k of [
      "../escape.txt",
      "/etc/passwd",
      "a/../../escape.txt",
      "a//b",
      `${LOCAL_STORE_INTERNAL_DIR}/locks/x`,
    ]) {
      await expect(store.put(k, "x")).rejects.toThrow(ObjectStoreError);
      await expect(store.get(k)).rejects.toThrow(/invalid object key/);
    }
    expect(await readdir(join(dir, ".."))).not.toContain("escape.txt");
  });

  it("describes itself as a file URL that prefixes keys", async () => {
    const store = new LocalObjectStore({ dir: join(dir, "with space") });
    expect(store.describe()).toBe(`file://${dir}/with%20space`);
    expect(new URL(`${store.describe()}/reports/x.json`).pathname).toBe(`${dir}/with%20space/reports/x.json`);
  });

  it("names the key when a file and a folder collide", async () => {
    const store = new LocalObjectStore({ dir });
    await store.put("a", "file");
    await expect(store.put("a/b.txt", "x")).rejects.toThrow(/local store put file:\/\/.*\/a\/b\.txt failed/);
  });
});

describe("LocalObjectStore conditional writes", () => {
  it("If-None-Match: * creates once, then fails with PreconditionFailedError naming the key", async () => {
    const store = new LocalObjectStore({ dir });
    await store.put("markers/x.json", "first", { ifNoneMatch: "*" });
    const err = await store.put("markers/x.json", "second", { ifNoneMatch: "*" }).catch((e) => e);
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(err.message).toContain(`file://${dir}/markers/x.json`);
    expect(text((await store.get("markers/x.json"))!.body)).toBe("first");
  });

  it("If-Match replaces only the expected version", async () => {
    const store = new LocalObjectStore({ dir });
    const { etag: e1 } = await store.put("state.json", "v1");
    const { etag: e2 } = await store.put("state.json", "v2", { ifMatch: e1 });
    await expect(store.put("state.json", "v3", { ifMatch: e1 })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(store.put("missing.json", "v", { ifMatch: e1 })).rejects.toThrow(/object does not exist/);
    expect(text((await store.get("state.json"))!.body)).toBe("v2");
    expect((await store.get("state.json"))!.etag).toBe(e2);
  });

  it("20 parallel markOnce on one key: exactly one wins (two store instances, like two processes)", async () => {
    const a = new LocalObjectStore({ dir });
    const b = new LocalObjectStore({ dir });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        markOnce(i % 2 ? a : b, "notifications/2026-10/summary.json", `{"by":${i}}`),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(text((await a.get("notifications/2026-10/summary.json"))!.body)).toBe(`{"by":${winner}}`);
    expect(await markOnce(a, "notifications/2026-10/summary.json", "again")).toBe(false);
  });

  it("10 concurrent readModifyWrite increments all land (final value 10)", async () => {
    const stores = [new LocalObjectStore({ dir }), new LocalObjectStore({ dir })];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new StateStore<{ n: number; by: number[] }>(stores[i % 2]!).readModifyWrite(
          "state/counter.json",
          (prev) => ({ n: (prev?.n ?? 0) + 1, by: [...(prev?.by ?? []), i] }),
          { maxAttempts: 10 }, // at most 9 others can win before any given writer
        ),
      ),
    );
    expect(results.every((r) => r.written)).toBe(true);
    const final = await new StateStore<{ n: number; by: number[] }>(stores[0]!).get("state/counter.json");
    expect(final!.value.n).toBe(10);
    expect([...final!.value.by].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => r.value!.n).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // they really did collide
  });

  it("readModifyWrite: null or an unchanged value writes nothing; maxAttempts is enforced", async () => {
    const store = new LocalObjectStore({ dir });
    const state = new StateStore<number[]>(store);
    expect(await state.readModifyWrite("s.json", () => null)).toEqual({
      value: null,
      attempts: 1,
      written: false,
    });
    expect(await store.get("s.json")).toBeNull();
    expect(await state.readModifyWrite("s.json", () => [1])).toEqual({
      value: [1],
      attempts: 1,
      written: true,
    });
    const { etag } = (await store.get("s.json"))!;
    expect(await state.readModifyWrite("s.json", (p) => [...p!])).toEqual({
      value: [1],
      attempts: 1,
      written: false,
    });
    expect((await store.get("s.json"))!.etag).toBe(etag);

    // a writer that always changes the object between our read and our write
    let n = 0;
    const err = await state
      .readModifyWrite(
        "s.json",
        async (prev) => {
          await store.put("s.json", JSON.stringify([++n]));
          return [...(prev ?? []), 99];
        },
        { maxAttempts: 3 },
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConcurrentModificationError);
    expect(err.message).toMatch(/after 3 attempts/);
    expect(n).toBe(3);
  });

  it("unreadable state names the object", async () => {
    const store = new LocalObjectStore({ dir });
    await store.put("bad.json", "{not json");
    await expect(new StateStore(store).get("bad.json")).rejects.toThrow(/bad\.json is unreadable/);
  });

  it("removes a stale lock left by a crashed process, and times out on a live one", async () => {
    const store = new LocalObjectStore({ dir, lockTimeoutMs: 200, staleLockMs: 60_000 });
    const { etag } = await store.put("k.json", "v1");
    await store.put("k.json", "v2", { ifMatch: etag }); // creates the locks folder
    const locks = join(dir, LOCAL_STORE_INTERNAL_DIR, "locks");
    const lockName = `${sha("k.json").slice(0, 40)}.lock`;
    await writeFile(join(locks, lockName), "99999 crashed\n");

    const err = await store.put("k.json", "v3").catch((e) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect(err.message).toMatch(/timed out after 200 ms waiting for the lock on file:\/\/.*\/k\.json/);

    const old = new Date(Date.now() - 120_000);
    await utimes(join(locks, lockName), old, old);
    await store.put("k.json", "v3");
    expect(text((await store.get("k.json"))!.body)).toBe("v3");
    await expect(stat(join(locks, lockName))).rejects.toThrow(/ENOENT/);
  });
});

describe("LocalObjectStore across processes", () => {
  it("4 processes started together: one marker winner, no lost increments", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const run = promisify(execFile);
    const worker = join(import.meta.dirname, "local-worker.ts");
    const startAt = String(Date.now() + 3000); // after every child has loaded tsx
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(
          process.execPath,
          ["--import", "tsx", worker, dir, "markers/once.json", "state/n.json", "25", startAt],
          {
            cwd: join(import.meta.dirname, "../.."),
          },
        ),
      ),
    );
    const results = outs.map(
      (o) => JSON.parse(o.stdout.trim()) as { pid: number; marked: boolean; attempts: number },
    );
    expect(results.filter((r) => r.marked)).toHaveLength(1);
    const store = new LocalObjectStore({ dir });
    expect(text((await store.get("markers/once.json"))!.body)).toBe(
      String(results.find((r) => r.marked)!.pid),
    );
    expect((await new StateStore<{ n: number }>(store).get("state/n.json"))!.value.n).toBe(100);
  });
});
