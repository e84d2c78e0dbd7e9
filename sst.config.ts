import type { SSTConfig } from "sst";
import { useProject } from "sst/project.js";
import { Probes } from "./stacks/probes.js";
import { Reports } from "./stacks/reports.js";
import { initSettings } from "./stacks/settings.js";
import { Storage } from "./stacks/storage.js";

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
    await initSettings(app, useProject().paths.root);
    // ESM bundles, minified (smaller zip, faster cold start); source maps are uploaded separately by SST.
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      tracing: "disabled",
      nodejs: { format: "esm", minify: true },
    });
    app.stack(Storage).stack(Probes).stack(Reports);
  },
} satisfies SSTConfig;
