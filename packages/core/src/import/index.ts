export * from "./common.js";
export { importOpenSlo } from "./openslo.js";
export { importSloth } from "./sloth.js";
