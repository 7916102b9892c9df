import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "e2e/simulator/**/*.test.ts", "scripts/**/*.test.ts"],
    // PGlite instances are ~800 MB and 2 s each: keep parallelism modest on a 2-core box.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
