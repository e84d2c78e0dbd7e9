/**
 * `sla serve --out DIR`: the report viewer (the same handler as the Lambda behind its Function URL) on
 * 127.0.0.1, a free port unless `--port`, over a local report folder. Without `--signed` report paths open
 * as they are (`/reports/index.html`); with it only signed links do, as deployed, and the command prints a
 * signed portal link (the folder's own link secret, `<DIR>/.sla-link-secret`). Read-only; runs until Ctrl-C.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  DEFAULT_LINK_EXPIRY_DAYS,
  LocalObjectStore,
  type LocalViewer,
  localLinkSecret,
  PORTAL_KEY,
  startViewerServer,
  ViewerLinks,
} from "@sla-monitor/core";
import { EXIT, ExitError } from "./exit.js";

export interface ServeOpts {
  out: string;
  port: string;
  signed?: boolean;
  days: string;
}

export interface ServedReports {
  viewer: LocalViewer;
  /** the portal's URL: plain, or a signed tree link with `signed` */
  portal: string;
}

/** Starts the viewer over `dir` (the demo uses it too). */
export async function serveReports(
  dir: string,
  opts: { port?: number; signed?: boolean; days?: number } = {},
): Promise<ServedReports> {
  const store = new LocalObjectStore({ dir });
  const secret = localLinkSecret(dir);
  let viewer: LocalViewer;
  try {
    viewer = await startViewerServer({
      store,
      secret,
      unsigned: !opts.signed,
      ...(opts.port ? { port: opts.port } : {}),
    });
  } catch (e) {
    throw new ExitError(
      `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${e instanceof Error ? e.message : String(e)}`,
      EXIT.usage,
    );
  }
  const portal = opts.signed
    ? (await new ViewerLinks(viewer.url, secret, opts.days ?? DEFAULT_LINK_EXPIRY_DAYS).portal(new Date()))
        .url
    : `${viewer.url}/${PORTAL_KEY}`;
  return { viewer, portal };
}

export async function serveCommand(o: ServeOpts): Promise<void> {
  const dir = resolve(o.out);
  const port = Number(o.port);
  const days = Number(o.days);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ExitError(`--port must be 0..65535 (got ${o.port})`, EXIT.usage);
  }
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new ExitError(`--days must be 1..3650 (got ${o.days})`, EXIT.usage);
  }
  if (!existsSync(join(dir, "reports"))) {
    throw new ExitError(
      `${dir} has no reports/ folder: run \`sla report --out ${o.out}\` or \`sla demo\` first`,
      EXIT.usage,
    );
  }
  const { viewer, portal } = await serveReports(dir, { port, signed: o.signed ?? false, days });
  console.log(
    `serving ${join(dir, "reports")} on ${viewer.url} (${o.signed ? "signed links only" : "no signature needed"})`,
  );
  if (!existsSync(join(dir, PORTAL_KEY))) {
    console.log("(no portal page yet: the next report run writes reports/index.html)");
  }
  console.log(`portal: ${portal}`);
  console.log("Ctrl-C stops it.");
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void viewer.close().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
