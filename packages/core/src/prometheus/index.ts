export * from "./auth.js";
export * from "./client.js";
export * from "./promql.js";
export * from "./remote-write.js";
