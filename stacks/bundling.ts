import type { NodeJSProps } from "sst/constructs";

/**
 * How SST v2 bundles every handler (sst.config.ts sets it as the default function props; `bench/bundle.ts`
 * builds with the same props and SST's own esbuild, so the bench measures what deploys). ESM, minified;
 * `splitting`: modules imported lazily with `import()` (the SSM, SES v2 and Secrets Manager clients) become
 * chunks of their own that a cold start does not read. `keepNames: false` (SST turns it on): esbuild then
 * stops wrapping every function and class in a `__name()` call that restores its `.name` after
 * minifying. Nothing here reads a minified `.name` (zod's "received <class>" wording names only class
 * instances, which JSON and YAML never produce; errors carry explicit `name`s); stack traces are
 * source-mapped either way.
 */
export const NODEJS_BUNDLING = {
  format: "esm",
  minify: true,
  splitting: true,
  esbuild: { keepNames: false },
} as const satisfies NodeJSProps;
