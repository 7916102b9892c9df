import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { simRegistry } from "./providers";
import { SIM_PROVIDER_IDS } from "./types";

/**
 * The simulator's layout: no import cycles (type-only imports count too), one folder per provider
 * under providers/, all of them in the registry, and a core that does not import provider folders.
 */

const ROOT = dirname(new URL(import.meta.url).pathname);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** What a specifier names inside the simulator (relative or `@sim/…`), or null for anything else. */
function resolveImport(from: string, spec: string): string | null {
  const base = spec.startsWith("@sim/") ? join(ROOT, spec.slice("@sim/".length)) : spec.startsWith(".") ? resolve(dirname(from), spec) : null;
  if (!base) return null;
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(ROOT, from)}: cannot resolve "${spec}"`);
}

/** The simulator files each simulator file imports (import/export … from, import "…", import("…")). */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const patterns = [/\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const file of tsFiles(root)) {
    const src = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const deps = new Set<string>();
    for (const re of patterns) for (const m of src.matchAll(re)) {
      const target = resolveImport(file, m[1]);
      if (target) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Every import cycle (one path per strongly connected component), as paths relative to `root`. */
function importCycles(graph: Map<string, string[]>, root: string): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(root, f)));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

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
