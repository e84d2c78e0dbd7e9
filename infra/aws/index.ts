/** Plain aws-cdk-lib constructs for the AWS deployment (no SST import): composed by `stacks/`. */
export * from "./alarms.js";
export * from "./bucket.js";
export * from "./dlq.js";
export * from "./email.js";
export * from "./grants.js";
export * from "./key.js";
export * from "./logging.js";
export * from "./schedule.js";
export * from "./sizing.js";
export * from "./topic.js";
export * from "./viewer.js";
