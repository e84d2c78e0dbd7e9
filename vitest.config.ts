import { defineConfig } from "vitest/config";

// Two projects: "unit" (pure code, no servers) and "integration" (real Prometheus, real HTTP peers,
// S3/SNS emulators). The integration project's global setup installs/backfills/starts Prometheus once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "test/unit/**/*.test.ts"],
          // property tests run hundreds of cases: on a crowded 2-core machine 5 s was seen not to be enough
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          globalSetup: ["test/helpers/global-setup.ts"],
          // the handlers' structured INFO logs would drown the test output
          env: { POWERTOOLS_LOG_LEVEL: "WARN" },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
