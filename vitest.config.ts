import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "e2e/simulator/**/*.test.ts", "scripts/**/*.test.ts"],
    // HB_TEST_NOW=<ISO instant> runs the suite at that instant (scripts/test-clocks.mjs).
    setupFiles: ["src/test/clock.ts"],
    // PGlite instances are ~800 MB and 2 s each: keep parallelism modest on a 2-core box.
    maxWorkers: 2,
    // Sized for a loaded 2-core box (other suites, stress-ng): a case that takes 10 s idle can take
    // ten times that. Whole-history syncs set their own, longer timeout.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
