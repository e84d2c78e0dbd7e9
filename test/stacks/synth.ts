/**
 * Synthesizes the SST app (sst.config.ts `stacks`) inside vitest, offline: `initProject` + SST `App` +
 * `app.finish()`. Works without AWS because vitest sets NODE_ENV=test (SST then skips bootstrap lookups);
 * the functions are really bundled by esbuild into .sst/artifacts, as in `sst deploy`.
 */
import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { App } from "sst/constructs";
import { initProject } from "sst/project.js";
import config, { deployOptions } from "../../sst.config.js";
import type { DeployOptions } from "../../stacks/settings.js";

export const ACCOUNT = "123456789012";
export const REGION = "eu-central-1";

export interface Synthesized {
  app: App;
  /** Templates by short stack name ("Storage", "Probes", "Reports"). */
  templates: Record<string, Template>;
  stacks: Record<string, Stack>;
  ms: number;
}

/** Every resource of the app as "Stack: Type LogicalId", for the test log and the deploy docs. */
export function resourceList(s: Synthesized): string[] {
  return Object.entries(s.templates).flatMap(([name, t]) =>
    Object.entries(t.toJSON().Resources as Record<string, { Type: string }>).map(
      ([id, r]) => `${name}: ${r.Type} ${id}`,
    ),
  );
}

/** `options` replace sst.config.ts's `deployOptions` for this synthesis only (e.g. a KMS variant). */
export async function synthesize(stage: string, options?: DeployOptions): Promise<Synthesized> {
  if (process.env.NODE_ENV !== "test") throw new Error("NODE_ENV must be 'test' (vitest sets it)");
  const t0 = performance.now();
  await initProject({ stage });
  const app = new App({ mode: "deploy", stage, name: "sla-monitor", region: REGION, account: ACCOUNT });
  const saved = { ...deployOptions };
  if (options) Object.assign(deployOptions, options);
  try {
    await config.stacks(app);
  } finally {
    for (const key of Object.keys(deployOptions)) delete deployOptions[key as keyof DeployOptions];
    Object.assign(deployOptions, saved);
  }
  await app.finish();
  const stacks: Record<string, Stack> = {};
  const templates: Record<string, Template> = {};
  for (const child of app.node.children) {
    if (child instanceof Stack) {
      const name = child.node.id.replace(`${stage}-sla-monitor-`, "");
      stacks[name] = child;
      templates[name] = Template.fromStack(child);
    }
  }
  const ms = Math.round(performance.now() - t0);
  console.log(`[sst] synthesized stage "${stage}" (${Object.keys(stacks).join(", ")}) in ${ms} ms`);
  return { app, templates, stacks, ms };
}
