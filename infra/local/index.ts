export * from "./apt.js";
export * from "./fixture.js";
export * from "./prometheus.js";
