/** The README's configuration reference is checked against the zod schema: every key is documented. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlaConfigSchema } from "../../packages/core/src/config/schema.js";

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Every object key reachable in the schema, by walking zod's definitions. */
function keys(schema: unknown, seen = new Set<unknown>(), out = new Set<string>()): Set<string> {
  if (!schema || seen.has(schema)) return out;
  seen.add(schema);
  const d = defOf(schema);
  const walk = (x: unknown) => keys(x, seen, out);
  switch (d.type) {
    case "object":
      for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) {
        out.add(k);
        walk(v);
      }
      break;
    case "array":
      walk(d.element);
      break;
    case "record":
      walk(d.valueType);
      break;
    case "union":
      for (const o of d.options as unknown[]) walk(o);
      break;
    case "pipe":
      walk(d.in);
      walk(d.out);
      break;
    case "intersection":
      walk(d.left);
      walk(d.right);
      break;
    default:
      if (d.innerType) walk(d.innerType);
  }
  return out;
}

describe("README configuration reference", () => {
  it("documents every key of the config schema", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const ref = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## How the numbers"));
    const all = [...keys(SlaConfigSchema)].filter((k) => !k.startsWith("$"));
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter((k) => !new RegExp(`[\`.(]${k.replace(/[$]/g, "\\$")}[\`.)/ ]`).test(ref));
    expect(missing).toEqual([]);
  });
});
