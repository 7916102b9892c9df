import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { measurements } from "@/lib/db/schema";
import { userWithKey } from "@/lib/ingest/testing";
import { testDb, type TestDb } from "@/test/db";
import { importAppleExport } from "./run";
import { writeSyntheticExport, type SyntheticExport } from "./synthetic-export";

/** A ~50 MB export.xml streams through and every record lands (RSS is measured by npm run bench:import, not here). */

let t: TestDb;
let dir: string;
let file: string;
let made: SyntheticExport;
beforeAll(async () => {
  t = await testDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-large-"));
  file = path.join(dir, "export.xml");
  made = await writeSyntheticExport(file, 50 * 1024 * 1024);
}, 120_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("streams a 50 MB export.xml and lands every record", async () => {
  expect(fs.statSync(file).size).toBeGreaterThanOrEqual(50 * 1024 * 1024);
  const { userId } = await userWithKey(t.db, "large");
  let progressCalls = 0;
  const summary = await importAppleExport(t.db, userId, file, { now: new Date(), onProgress: () => void progressCalls++ });
  expect(summary.damaged.count).toBe(0);
  expect(summary.records.HKQuantityTypeIdentifierHeartRate).toBe(made.heartRate);
  expect(progressCalls).toBeGreaterThan(10);
  const n = async (type: string) =>
    (await t.db.select({ n: count() }).from(measurements).where(and(eq(measurements.userId, userId), eq(measurements.type, type))))[0].n;
  expect(await n("heart_rate")).toBe(made.heartRate);
  expect(await n("steps")).toBe(made.steps);
}, 600_000);
