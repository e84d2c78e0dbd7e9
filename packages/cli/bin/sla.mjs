#!/usr/bin/env node
// The `sla` command. The CLI is TypeScript, loaded through tsx's ESM hooks (the library `npm run sla` uses
// too), so `node_modules/.bin/sla` works straight after `npm ci` on Node 20 and 22 without a build step.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
