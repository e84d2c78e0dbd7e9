export * from "./config/index.js";
export * from "./prometheus/index.js";
export * from "./slo/index.js";
