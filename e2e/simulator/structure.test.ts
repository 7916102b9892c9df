import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { importCycles, importGraph } from "@/test/import-graph";
import { describe, expect, it } from "vitest";
import { simRegistry } from "./providers";
import { SIM_PROVIDER_IDS } from "./types";

/**
 * The simulator's layout: no import cycles (type-only imports count too), one folder per provider
 * under providers/, all of them in the registry, and a core that does not import provider folders.
 */

const ROOT = dirname(new URL(import.meta.url).pathname);

describe("simulator structure", () => {
  const graph = importGraph(ROOT);

  it("has no import cycles", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(importCycles(graph, ROOT)).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const a = join(ROOT, "a.ts");
    const b = join(ROOT, "b.ts");
    expect(importCycles(new Map([[a, [b]], [b, [a]]]), ROOT)).toEqual([["a.ts", "b.ts", "a.ts"]]);
  });

  it("has one folder per provider, each in the registry under its own id", () => {
    const folders = readdirSync(join(ROOT, "providers")).filter((name) => statSync(join(ROOT, "providers", name)).isDirectory());
    expect(folders.sort()).toEqual([...SIM_PROVIDER_IDS].sort());
    expect(Object.keys(simRegistry)).toEqual([...SIM_PROVIDER_IDS]);
    for (const [id, module] of Object.entries(simRegistry)) {
      expect(existsSync(join(ROOT, "providers", id, "index.ts")), id).toBe(true);
      expect(module.id, id).toBe(id);
      expect(module.auth.id, id).toBe(id);
      if (module.webhook) expect(module.webhook.provider, id).toBe(id);
      if (module.data) {
        expect(Object.keys(module.data.generator).length, id).toBeGreaterThan(0);
        expect(module.data.endpoints.length, id).toBeGreaterThan(0);
      }
    }
  });

  it("keeps the core free of provider imports (only the composition points import providers/)", () => {
    const composition = new Set(["server.ts", "data/index.ts", "data/testing.ts"]);
    const offenders = [...graph]
      .map(([file, deps]) => [relative(ROOT, file), deps.map((d) => relative(ROOT, d))] as const)
      .filter(([file]) => !file.startsWith("providers/") && !file.endsWith(".test.ts") && !composition.has(file))
      .filter(([, deps]) => deps.some((d) => d.startsWith("providers/")))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });
});
