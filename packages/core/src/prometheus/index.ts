export * from "./auth.js";
export * from "./client.js";
export * from "./promql.js";
export * from "./raw-check.js";
export * from "./raw-query.js";
export * from "./remote-write.js";
