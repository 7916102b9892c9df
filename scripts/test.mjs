#!/usr/bin/env node
// `npm test`: every suite a newcomer needs to trust the build.
//  1. Vitest (unit + integration; PGlite always, PostgreSQL too when DATABASE_URL is set)
//  2. next build, then Playwright in the system Chromium against the built app + provider simulator,
//     on free ports with a throwaway database.
// Ends with one plain line "N passed, N failed" summing every suite.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));
  } catch {
    return null;
  }
};

const totals = { passed: 0, failed: 0, skipped: 0 };
const only = process.argv[2]; // optional: "unit" or "e2e"

// ── 1. Vitest ──
if (only !== "e2e") {
  fs.rmSync(path.join(root, ".vitest.json"), { force: true });
  const status = run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", "--outputFile=.vitest.json"]);
  const report = readJson(".vitest.json");
  if (report) {
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed (${report.numTotalTestSuites} suites)`);
    // Suites that run once per engine name it in their title: show that PostgreSQL really ran.
    const perEngine = (engine) =>
      report.testResults
        .flatMap((file) => file.assertionResults)
        .filter((t) => t.status === "passed" && t.ancestorTitles.some((title) => new RegExp(`\\b${engine}\\b`).test(title))).length;
    console.log(
      `vitest engines: ${perEngine("pglite")} passed on PGlite, ${perEngine("postgres")} passed on PostgreSQL` +
        (process.env.DATABASE_URL ? " (plus every testDb() suite, which uses PostgreSQL when DATABASE_URL is set)" : " (DATABASE_URL unset)"),
    );
  } else {
    totals.failed += 1;
    console.log(`vitest: no report (exit ${status})`);
  }
  if (status !== 0 && report && report.numFailedTests === 0) totals.failed += 1; // e.g. a suite that failed to load
}

// ── 2. Playwright ──
if (only !== "unit") {
  const appPort = await freePort();
  const oauth1AppPort = await freePort();
  const simulatorPort = await freePort();
  const e2eEnv = {
    E2E_APP_PORT: String(appPort),
    E2E_APP2_PORT: String(oauth1AppPort),
    E2E_SIMULATOR_PORT: String(simulatorPort),
  };
  let dropDatabase = () => {};
  if (process.env.DATABASE_URL) {
    const { default: postgres } = await import("postgres");
    const name = `hb_e2e_${Date.now()}_${randomBytes(3).toString("hex")}`;
    const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    e2eEnv.E2E_DATABASE_URL = url.toString();
    dropDatabase = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
    if (run(bin("tsx"), ["scripts/migrate.ts"], { DATABASE_URL: e2eEnv.E2E_DATABASE_URL }) !== 0) totals.failed += 1;
  } else {
    e2eEnv.E2E_PGLITE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "hb-e2e-pglite-"));
  }

  const buildStatus = run(bin("next"), ["build"], { NEXT_TELEMETRY_DISABLED: "1" });
  if (buildStatus !== 0) {
    console.log("next build failed; Playwright not run");
    totals.failed += 1;
  } else {
    fs.rmSync(path.join(root, ".playwright.json"), { force: true });
    const status = run(bin("playwright"), ["test"], {
      ...e2eEnv,
      PLAYWRIGHT_JSON_OUTPUT_NAME: ".playwright.json",
    });
    const report = readJson(".playwright.json");
    if (report?.stats) {
      const { expected, unexpected, flaky, skipped } = report.stats;
      totals.passed += expected + flaky;
      totals.failed += unexpected;
      totals.skipped += skipped;
      console.log(`playwright: ${expected + flaky} passed, ${unexpected} failed`);
      if (status !== 0 && unexpected === 0) totals.failed += 1;
    } else {
      totals.failed += 1;
      console.log(`playwright: no report (exit ${status})`);
    }
  }
  await dropDatabase();
  if (e2eEnv.E2E_PGLITE_DIR) {
    for (const dir of [e2eEnv.E2E_PGLITE_DIR, `${e2eEnv.E2E_PGLITE_DIR}-oauth1`]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
