import type { NodeJSProps } from "sst/constructs";

/**
 * How SST v2 bundles every handler (sst.config.ts sets it as the default function props; `bench/bundle.ts`
 * builds with the same props and SST's own esbuild, so the bench measures what deploys). ESM, minified;
 * `splitting`: modules imported lazily with `import()` (the SSM, SES v2 and Secrets Manager clients) become
 * chunks of their own that a cold start does not read.
 */
export const NODEJS_BUNDLING = {
  format: "esm",
  minify: true,
  splitting: true,
} as const satisfies NodeJSProps;
