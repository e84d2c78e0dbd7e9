/** undici's `Client` and `request`, without the rest of undici (see undici-client.d.ts). */
import type { Dispatcher } from "undici";
import apiRequest from "undici/lib/api/api-request.js";
import Client from "undici/lib/dispatcher/client.js";

export { Client };

/** `client.request(options)`, as undici's index installs it on every dispatcher. */
export const request = (client: Dispatcher, options: Dispatcher.RequestOptions) =>
  apiRequest.call(client, options);
