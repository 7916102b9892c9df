import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph } from "./import-graph";

/** The app's layout: no import cycles across src/ and trigger/ (type-only imports count too). */

const REPO = resolve(dirname(new URL(import.meta.url).pathname), "../..");

describe("app structure", () => {
  it("has no import cycles in src/ and trigger/", () => {
    const graph = importGraph(join(REPO, "src"), join(REPO, "trigger"));
    expect(graph.size).toBeGreaterThan(150);
    expect(importCycles(graph, REPO)).toEqual([]);
  });
});
