export * from "./issues.js";
export * from "./loader.js";
export * from "./redact.js";
export * from "./schema.js";
export * from "./secrets.js";
