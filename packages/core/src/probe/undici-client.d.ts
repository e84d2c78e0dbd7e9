/**
 * undici's `Client` and its `request` on their own (issue 16, lean Lambdas): undici's index pulls in fetch,
 * WebSocket, caches, mocks and proxies (535 KB minified); the probe needs one `Client` and one `request`
 * (about 280 KB with the HTTP parser). The paths are undici's own files (undici has no `exports` map); the
 * types are the public ones. undici's index does nothing more than `Object.assign(Dispatcher.prototype, api)`
 * to give every dispatcher `request`; probe/undici.ts calls `request` with the client as `this` instead.
 * The version is pinned in package.json, and test/probe/* exercise these very imports.
 */
declare module "undici/lib/dispatcher/client.js" {
  import type { Client } from "undici";

  const ClientClass: typeof Client;
  export default ClientClass;
}
declare module "undici/lib/api/api-request.js" {
  import type { Dispatcher } from "undici";

  const request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}
