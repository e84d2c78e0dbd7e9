/**
 * The report viewer over real HTTP on 127.0.0.1: the same `handleViewerRequest` the Lambda Function URL runs,
 * behind node:http, reading a local store that holds a rendered report (and, beside it, objects it must never
 * serve). Requests are sent with node:http and the raw path as written, so `..`, `%2e%2e`, `\` and `//` reach
 * the server unnormalised, as an attacker would send them.
 */

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_CSP, renderAll } from "../../packages/core/src/report/render/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import {
  LOCAL_LINK_SECRET_FILE,
  type LocalViewer,
  linkExpiry,
  localLinkSecret,
  signedPath,
  startViewerServer,
  ViewerLinks,
} from "../../packages/core/src/viewer/index.js";
import { sampleReport } from "../fixtures/report-sample.js";

const KEY = "reports/monthly/2026-10/report.html";
const JSON_KEY = "reports/monthly/2026-10/report.json";
const OTHER = "reports/monthly/2026-09/report.html";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with `path` sent exactly as written. */
function send(base: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}) {
  const u = new URL(base);
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: opts.method ?? "GET", headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

let dir: string;
let store: LocalObjectStore;
let signed: LocalViewer;
let open: LocalViewer;
let secret: Uint8Array;
let html: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-viewer-"));
  store = new LocalObjectStore({ dir });
  const files = renderAll(sampleReport());
  html = files["report.html"];
  for (const [name, body] of Object.entries(files)) await store.put(`reports/monthly/2026-10/${name}`, body);
  await store.put(OTHER, "<p>September</p>");
  await store.put("reports/index.html", "<!DOCTYPE html><title>portal</title>");
  await store.put("state/probe-state.json", '{"secret":"state"}');
  await store.put("notifications/monthly/2026-10/summary.json", '{"state":"sent"}');
  const source = localLinkSecret(dir);
  secret = await source();
  signed = await startViewerServer({ store, secret: source });
  open = await startViewerServer({ store, secret: source, unsigned: true });
});
afterAll(async () => {
  await signed?.close();
  await open?.close();
  await rm(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const link = (key: string, exp = now() + 3600, scope: "key" | "tree" = "key") =>
  `/${signedPath(secret, key, exp, scope)}`;

describe("viewer, signed (as deployed)", () => {
  it("a valid link answers 200 with the report, its content type, private caching and the report's CSP", async () => {
    const r = await send(signed.url, link(KEY));
    expect(r.status).toBe(200);
    expect(r.body.toString("utf8")).toBe(html);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["cache-control"]).toMatch(/^private\b/);
    const csp = String(r.headers["content-security-policy"]);
    for (const directive of REPORT_CSP.split("; ")) expect(csp).toContain(directive);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(html).toContain(`content="${REPORT_CSP}"`); // and the page keeps its own meta policy
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    const j = await send(signed.url, link(JSON_KEY));
    expect(j.status).toBe(200);
    expect(j.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(j.body.toString("utf8")).period).toBe("2026-10");
    for (const [ext, type] of [
      ["md", "text/markdown; charset=utf-8"],
      ["txt", "text/plain; charset=utf-8"],
      ["csv", "text/csv; charset=utf-8"],
    ]) {
      const f = await send(signed.url, link(`reports/monthly/2026-10/report.${ext}`));
      expect([f.status, f.headers["content-type"]]).toEqual([200, type]);
    }
  });

  it("an expired link is 403 and says when it expired", async () => {
    const exp = now() - 1;
    const r = await send(signed.url, link(KEY, exp));
    expect(r.status).toBe(403);
    expect(r.body.toString()).toContain(`expired on ${new Date(exp * 1000).toISOString()}`);
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("a tampered signature or expiry is 403; a link used for another report is 403", async () => {
    const good = link(KEY);
    const [, , exp, sig] = good.split("/");
    const flipped = `${sig!.slice(0, 10)}${sig![10] === "A" ? "B" : "A"}${sig!.slice(11)}`;
    expect((await send(signed.url, good.replace(sig!, flipped))).status).toBe(403);
    expect((await send(signed.url, good.replace(`/${exp}/`, `/${Number(exp) + 86400}/`))).status).toBe(403);
    expect((await send(signed.url, good.replace(KEY, OTHER))).status).toBe(403);
    expect((await send(signed.url, good.replace(KEY, JSON_KEY))).status).toBe(403);
    // a link signed with another secret
    const other = `/${signedPath(new TextEncoder().encode("x".repeat(40)), KEY, now() + 60)}`;
    expect((await send(signed.url, other)).status).toBe(403);
  });

  it("without a signature: 403 for reports, the portal and the root (no listing)", async () => {
    for (const p of [`/${KEY}`, "/reports/index.html", "/reports/index.json", "/", `/${OTHER}`]) {
      const r = await send(signed.url, p);
      expect(r.status, p).toBe(403);
      expect(r.body.toString(), p).not.toContain("<html");
    }
    // the same answer whether the report exists or not
    expect((await send(signed.url, "/reports/monthly/1999-01/report.html")).status).toBe(403);
  });

  it("traversal in any spelling is 404, even inside a valid tree link, and never reaches state or the secret", async () => {
    const tree = link("reports/index.html", now() + 3600, "tree").replace(/reports\/index\.html$/, "");
    for (const p of [
      `${tree}reports/../state/probe-state.json`,
      `${tree}reports/%2e%2e/state/probe-state.json`,
      `${tree}reports/%2E%2E/notifications/monthly/2026-10/summary.json`,
      `${tree}reports/..%2fstate/probe-state.json`,
      `${tree}reports\\..\\state\\probe-state.json`,
      `${tree}reports//monthly/2026-10/report.html`,
      `${tree}state/probe-state.json`,
      `${tree}${LOCAL_LINK_SECRET_FILE}`,
      `${tree}reports/../${LOCAL_LINK_SECRET_FILE}`,
      "/reports/../state/probe-state.json",
      "/../state/probe-state.json",
      "/%2e%2e/state/probe-state.json",
      `${link(KEY)}/../../../../state/probe-state.json`,
    ]) {
      const r = await send(signed.url, p);
      expect([403, 404], p).toContain(r.status);
      expect(r.body.toString(), p).not.toMatch(/secret|"state"/);
    }
    expect((await send(signed.url, `${tree}reports/../state/probe-state.json`)).status).toBe(404);
  });

  it("the portal's tree link opens the portal and, by its relative links, every report", async () => {
    const portal = link("reports/index.html", now() + 3600, "tree");
    expect((await send(signed.url, portal)).status).toBe(200);
    const base = portal.replace(/index\.html$/, "");
    expect((await send(signed.url, `${base}monthly/2026-10/report.html`)).status).toBe(200);
    expect((await send(signed.url, `${base}monthly/2026-09/report.html`)).status).toBe(200);
    expect((await send(signed.url, `${base}monthly/1999-01/report.html`)).status).toBe(404);
  });

  it("HEAD has the headers and no body; other methods are 405; gzip when asked", async () => {
    const h = await send(signed.url, link(KEY), { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.body.byteLength).toBe(0);
    expect(Number(h.headers["content-length"])).toBe(Buffer.byteLength(html));
    const p = await send(signed.url, link(KEY), { method: "POST" });
    expect([p.status, p.headers.allow]).toEqual([405, "GET, HEAD"]);
    const z = await send(signed.url, link(KEY), { headers: { "accept-encoding": "gzip, br" } });
    expect(z.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(z.body).toString("utf8")).toBe(html);
    expect(z.body.byteLength).toBeLessThan(Buffer.byteLength(html) / 3);
  });

  it("ViewerLinks writes links the viewer opens: the report, its JSON and the portal", async () => {
    const links = await new ViewerLinks(`${signed.url}/`, localLinkSecret(dir), 90).forReport(
      { html: KEY, json: JSON_KEY },
      new Date(),
    );
    expect(links.html.startsWith(`${signed.url}/s/`)).toBe(true);
    const exp = Number(links.html.split("/")[4]);
    expect(exp).toBe(linkExpiry(new Date(exp * 1000 - 90 * 86400_000), 90));
    expect(exp - now()).toBeGreaterThan(89 * 86400);
    for (const u of [links.html, links.json, links.portal]) {
      const r = await send(signed.url, new URL(u).pathname);
      expect(r.status, u).toBe(200);
    }
    expect(await readFile(join(dir, LOCAL_LINK_SECRET_FILE), "utf8")).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
  });
});

describe("viewer, local without --signed", () => {
  it("serves reports by plain path, redirects / to the portal, still checks signed links and paths", async () => {
    const r = await send(open.url, `/${KEY}`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(html);
    const root = await send(open.url, "/");
    expect([root.status, root.headers.location]).toEqual([302, "/reports/index.html"]);
    expect((await send(open.url, link(KEY, now() - 1))).status).toBe(403);
    expect((await send(open.url, "/state/probe-state.json")).status).toBe(404);
    expect((await send(open.url, "/reports/../state/probe-state.json")).status).toBe(404);
    expect((await send(open.url, "/reports/monthly/1999-01/report.html")).status).toBe(404);
  });
});
