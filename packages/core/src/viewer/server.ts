/**
 * The viewer on a local port (`sla serve`, tests): node:http around `handleViewerRequest`, bound to
 * 127.0.0.1 on a free port unless told otherwise.
 */
import { createServer, type Server } from "node:http";
import { handleViewerRequest, type ViewerOptions } from "./serve.js";

export interface LocalViewer {
  /** `http://127.0.0.1:<port>` (no trailing slash) */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startViewerServer(
  opts: ViewerOptions & { host?: string; port?: number },
): Promise<LocalViewer> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    handleViewerRequest(
      {
        method: req.method ?? "GET",
        path: q < 0 ? raw : raw.slice(0, q),
        acceptEncoding: req.headers["accept-encoding"],
      },
      opts,
    ).then(
      (r) => {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
        res.end("Internal error.\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
