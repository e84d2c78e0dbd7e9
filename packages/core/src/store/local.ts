/**
 * ObjectStore on a local folder, with the same semantics as S3 (used by the CLI and the demo).
 *
 * - Keys map to relative paths under `dir`; `..`, absolute and otherwise odd keys are rejected.
 * - Writes are atomic: the body goes to a temp file under `dir/.objectstore/tmp/` which is then renamed
 *   (or hard-linked, for If-None-Match) into place, so readers never see half a file.
 * - etag = sha256 of the content (hex), so it is stable across processes and restarts.
 * - `ifNoneMatch: "*"` uses `link(tmp, target)`, which fails with EEXIST when the target exists: of any number
 *   of concurrent creators exactly one wins, across processes, with no lock involved.
 * - Every other write (plain or `ifMatch`) holds a per-key lock file (`open(lock, "wx")`, retried with
 *   backoff) around "compare etag + rename", so two If-Match writers cannot both win. A lock older than
 *   `staleLockMs` (default 30 s; an operation holds it for milliseconds) is treated as left behind by a
 *   crashed process and removed.
 * - Limits: the content type is derived from the key's extension on read (`contentTypeFor`), not stored;
 *   a key cannot be both an object and a "folder" of other keys (`a` and `a/b`), which S3 allows.
 */
import { createHash, randomUUID } from "node:crypto";
import { link, lstat, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { contentTypeFor } from "./content-type.js";
import {
  type ObjectStore,
  ObjectStoreError,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
  toBytes,
  validateKey,
  validatePrefix,
} from "./types.js";

export interface LocalObjectStoreOptions {
  dir: string;
  /** give up waiting for a per-key lock after this long (default 10 000 ms) */
  lockTimeoutMs?: number;
  /** a lock file older than this is considered abandoned (default 30 000 ms) */
  staleLockMs?: number;
}

/** Reserved top-level folder for temp and lock files; never listed, never a valid key. */
export const LOCAL_STORE_INTERNAL_DIR = ".objectstore";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

export class LocalObjectStore implements ObjectStore {
  readonly dir: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private internal: Promise<void> | undefined;

  constructor(opts: LocalObjectStoreOptions) {
    if (!opts.dir) throw new ObjectStoreError("LocalObjectStore: dir is required", "InvalidConfig");
    this.dir = resolve(opts.dir);
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
    this.staleLockMs = opts.staleLockMs ?? 30_000;
  }

  describe(): string {
    return pathToFileURL(this.dir).href.replace(/\/+$/, "");
  }

  /** Absolute path of a key's file (validated: stays inside `dir`). */
  pathOf(key: string): string {
    validateKey(key);
    if (key.split("/")[0] === LOCAL_STORE_INTERNAL_DIR) {
      throw new ObjectStoreError(
        `invalid object key ${JSON.stringify(key)}: "${LOCAL_STORE_INTERNAL_DIR}/" is reserved by the local store`,
        "InvalidKey",
      );
    }
    return join(this.dir, ...key.split("/"));
  }

  private where(key: string): string {
    return `${this.describe()}/${key}`;
  }

  private fail(op: string, key: string, e: unknown): ObjectStoreError {
    const code = codeOf(e);
    return new ObjectStoreError(
      `local store ${op} ${this.where(key)} failed: ${e instanceof Error ? e.message : String(e)}`,
      code,
      undefined,
      { cause: e },
    );
  }

  private ensureInternal(): Promise<void> {
    this.internal ??= (async () => {
      await mkdir(join(this.dir, LOCAL_STORE_INTERNAL_DIR, "tmp"), { recursive: true });
      await mkdir(join(this.dir, LOCAL_STORE_INTERNAL_DIR, "locks"), { recursive: true });
    })();
    this.internal.catch(() => {
      this.internal = undefined;
    });
    return this.internal;
  }

  private async writeTemp(bytes: Uint8Array): Promise<string> {
    const tmp = join(this.dir, LOCAL_STORE_INTERNAL_DIR, "tmp", `${randomUUID()}.tmp`);
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  }

  async put(key: string, body: string | Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    const target = this.pathOf(key);
    if (opts.ifNoneMatch && opts.ifMatch) {
      throw new ObjectStoreError(
        `local store put ${this.where(key)}: ifNoneMatch and ifMatch together`,
        "InvalidArgument",
      );
    }
    const bytes = toBytes(body);
    const etag = sha256(bytes);
    let tmp: string | undefined;
    try {
      await this.ensureInternal();
      await mkdir(dirname(target), { recursive: true });
      tmp = await this.writeTemp(bytes);
      if (opts.ifNoneMatch === "*") {
        await this.createExclusive(key, tmp, target);
      } else {
        const ifMatch = opts.ifMatch;
        const from = tmp;
        await this.withLock(key, async () => {
          if (ifMatch !== undefined) {
            const current = await this.currentEtag(target);
            if (current !== ifMatch) {
              throw new PreconditionFailedError(
                this.where(key),
                "if-match",
                current === null ? "object does not exist" : "etag differs",
              );
            }
          }
          await rename(from, target);
        });
      }
      return { etag };
    } catch (e) {
      if (e instanceof PreconditionFailedError || e instanceof ObjectStoreError) throw e;
      if (codeOf(e) === "ENOTDIR" || codeOf(e) === "EISDIR") {
        throw new ObjectStoreError(
          `local store put ${this.where(key)} failed: a file and a folder collide on this path (${codeOf(e)})`,
          codeOf(e),
          undefined,
          { cause: e },
        );
      }
      throw this.fail("put", key, e);
    } finally {
      if (tmp) await rm(tmp, { force: true }).catch(() => {});
    }
  }

  /** link() is atomic and refuses an existing target: exactly one concurrent creator wins. */
  private async createExclusive(key: string, tmp: string, target: string): Promise<void> {
    try {
      await link(tmp, target);
      return;
    } catch (e) {
      const code = codeOf(e);
      if (code === "EEXIST") {
        const st = await lstat(target).catch(() => null);
        if (st?.isDirectory()) throw this.fail("put", key, new Error("a folder exists at this key's path"));
        throw new PreconditionFailedError(this.where(key), "if-none-match");
      }
      if (
        code !== "EPERM" &&
        code !== "ENOTSUP" &&
        code !== "EOPNOTSUPP" &&
        code !== "ENOSYS" &&
        code !== "EXDEV"
      ) {
        throw e;
      }
    }
    // File system without hard links: check-and-rename under the per-key lock instead.
    await this.withLock(key, async () => {
      if ((await this.currentEtag(target)) !== null)
        throw new PreconditionFailedError(this.where(key), "if-none-match");
      await rename(tmp, target);
    });
  }

  private async currentEtag(path: string): Promise<string | null> {
    try {
      return sha256(await readFile(path));
    } catch (e) {
      const code = codeOf(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
      throw e;
    }
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(
      this.dir,
      LOCAL_STORE_INTERNAL_DIR,
      "locks",
      `${sha256(toBytes(key)).slice(0, 40)}.lock`,
    );
    const started = Date.now();
    let delay = 1;
    for (;;) {
      try {
        const fh = await open(lock, "wx");
        try {
          await fh.writeFile(`${process.pid} ${new Date().toISOString()} ${key}\n`);
        } finally {
          await fh.close();
        }
        break;
      } catch (e) {
        if (codeOf(e) !== "EEXIST") throw e;
      }
      const st = await stat(lock).catch(() => null);
      if (st === null) continue; // released meanwhile
      if (Date.now() - st.mtimeMs > this.staleLockMs) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() - started > this.lockTimeoutMs) {
        throw new ObjectStoreError(
          `local store: timed out after ${this.lockTimeoutMs} ms waiting for the lock on ${this.where(key)} ` +
            `(${lock}); remove that file if no other sla process is running`,
          "LockTimeout",
        );
      }
      await sleep(delay * (1 + Math.random()));
      delay = Math.min(delay * 2, 50);
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      const code = codeOf(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
      throw this.fail("get", key, e);
    }
    const body = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    return { body, etag: sha256(body), contentType: contentTypeFor(key) };
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf("/");
    const startRel = slash >= 0 ? prefix.slice(0, slash) : "";
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(rel ? join(this.dir, ...rel.split("/")) : this.dir, { withFileTypes: true });
      } catch (e) {
        const code = codeOf(e);
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw this.fail("list", `${prefix}*`, e);
      }
      for (const d of entries) {
        const k = rel ? `${rel}/${d.name}` : d.name;
        if (!rel && d.name === LOCAL_STORE_INTERNAL_DIR) continue;
        if (d.isDirectory()) {
          if (k.startsWith(prefix) || prefix.startsWith(`${k}/`)) await walk(k);
        } else if (d.isFile() && k.startsWith(prefix)) {
          out.push(k);
        }
      }
    };
    await walk(startRel);
    return out.sort();
  }
}
