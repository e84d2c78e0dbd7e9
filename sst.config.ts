import { Aspects } from "aws-cdk-lib";
import type { SSTConfig } from "sst";
import { useProject } from "sst/project.js";
import { FunctionLogGroups } from "./infra/aws/index.js";
import { NODEJS_BUNDLING } from "./stacks/bundling.js";
import { Probes } from "./stacks/probes.js";
import { Reports } from "./stacks/reports.js";
import { type DeployOptions, initSettings } from "./stacks/settings.js";
import { Storage } from "./stacks/storage.js";
import { Viewer } from "./stacks/viewer.js";

/**
 * AWS-side options per stage (not product config). `kms`: a customer-managed key for the reports bucket and
 * the topic, e.g. `{ prod: { create: true } }` or `{ prod: { keyArn: "arn:aws:kms:eu-central-1:...:key/..." } }`;
 * stages not listed keep SSE-S3 and an SNS topic without KMS. `reportReservedConcurrency`: the report
 * function's reserved concurrency (default 2), `false` where the account's concurrency quota is below 100 + it,
 * e.g. `{ dev: false }`. See docs/DEPLOY.md, "Security".
 */
export const deployOptions: DeployOptions = { kms: {} };

/**
 * SST v2 app. `npx sst deploy --stage prod`. The product config (`sla.config.yaml`, else the example) is
 * read at synth time from the project root with the stage's overrides; see stacks/settings.ts.
 */
export default {
  config() {
    return {
      name: "sla-monitor",
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "eu-central-1",
    };
  },
  async stacks(app) {
    // The project root, not import.meta.url: SST bundles this file into a temporary module.
    await initSettings(app, useProject().paths.root, deployOptions);
    // ESM bundles, minified, lazily imported clients split into chunks (stacks/bundling.ts); source maps
    // are uploaded separately by SST.
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      tracing: "disabled",
      nodejs: NODEJS_BUNDLING,
    });
    app.stack(Storage).stack(Probes).stack(Viewer).stack(Reports);
    // Every function (SST's CustomResourceHandler and CDK's auto-delete provider too): its own log group with
    // a retention, and logs:CreateLogStream/PutLogEvents on it instead of AWSLambdaBasicExecutionRole.
    Aspects.of(app).add(new FunctionLogGroups());
  },
} satisfies SSTConfig;
