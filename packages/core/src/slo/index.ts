export * from "./budget.js";
export * from "./format.js";
export * from "./sli.js";
export * from "./windows.js";
