export * from "./fixture.js";
export * from "./prometheus.js";
