import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** For structure tests: the import graph of a folder and its cycles, read from the source as text. */

const REPO = resolve(dirname(new URL(import.meta.url).pathname), "../..");

function tsFiles(dir: string): string[] {
  if (dir.endsWith("node_modules")) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Path aliases of tsconfig.json: `@/` → src, `@sim/` → the simulator. */
const ALIASES: Array<[string, string]> = [
  ["@/", join(REPO, "src")],
  ["@sim/", join(REPO, "e2e/simulator")],
];

/** The file a specifier names inside `root` (relative or aliased), or null for anything else (packages, other folders). */
function resolveImport(root: string, from: string, spec: string): string | null {
  const alias = ALIASES.find(([prefix]) => spec.startsWith(prefix));
  const base = alias ? join(alias[1], spec.slice(alias[0].length)) : spec.startsWith(".") ? resolve(dirname(from), spec) : null;
  if (!base) return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate.startsWith(root) ? candidate : null;
  }
  throw new Error(`${relative(REPO, from)}: cannot resolve "${spec}"`);
}

/** The files under `roots[0]`… each file there imports (import/export … from, import "…", import("…")); type-only imports count. */
export function importGraph(...roots: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const patterns = [/\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const file of roots.flatMap(tsFiles)) {
    const src = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const deps = new Set<string>();
    for (const re of patterns) for (const m of src.matchAll(re)) {
      const target = roots.map((root) => resolveImport(root, file, m[1])).find(Boolean);
      if (target) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Every import cycle (one path per strongly connected component), as paths relative to `root`. */
export function importCycles(graph: Map<string, string[]>, root: string): string[][] {
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
