import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simData } from "@sim/data/generator";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { runSync } from "@/lib/sync/execute";
import { applySimulatorEnv, connectAs, newUser } from "@/lib/sync/test-support";
import { testDb, type TestDb } from "@/test/db";
import { analyzeAfterBulkWrite } from "./analyze";
import { measurements } from "./schema";

/**
 * Planner statistics after a bulk write (issue 17): the helper, and a sync run that wrote enough
 * rows ending with it. PGlite runs no autovacuum, so there nothing else refreshes the statistics
 * and the "not yet analyzed" half is checked too.
 */
let t: TestDb;
let sim: RunningSimulator;
const saved = { ...process.env };
beforeAll(async () => {
  t = await testDb();
  sim = await startSimulator({ port: 0 });
  applySimulatorEnv(sim);
  simData(sim.state).enforceRateLimits = false;
  simData(sim.state).configure({}, { years: 1 });
}, 60_000);
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await sim?.close();
  await t?.close();
});

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
/** What the planner believes the table holds, and what it holds. */
async function stats(table: string) {
  const [r] = rowsOf<{ believed: number; actual: number }>(
    await t.db.execute(sql`SELECT (SELECT reltuples FROM pg_class WHERE relname = ${table})::float8 AS believed, (SELECT count(*) FROM ${sql.identifier(table)})::float8 AS actual`),
  );
  return { believed: Number(r.believed), actual: Number(r.actual) };
}
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 370, timeoutMs: 30_000 };

describe("ANALYZE after bulk writes", () => {
  it("analyzeAfterBulkWrite gives the planner the table's real size", async () => {
    const userId = await newUser(t.db, "analyze");
    await t.db.execute(sql`
      INSERT INTO measurement (user_id, provider, type, measured_at, local_date, value, unit)
      SELECT ${userId}::uuid, 'garmin', 'heart_rate', '2024-01-01T00:00:00Z'::timestamptz + i * interval '1 minute', '2024-01-01', 60, 'bpm'
      FROM generate_series(1, 3000) i`);
    await analyzeAfterBulkWrite(t.db, [measurements]);
    expect(await stats("measurement")).toEqual({ believed: 3000, actual: 3000 });
  });

  it("a sync run that wrote at least the threshold ends by analyzing what it wrote", async () => {
    const quiet = await connectAs(t.db, sim, await newUser(t.db, "analyze-below"), "oura", "analyze-below");
    const below = await runSync(t.db, { connectionId: quiet.id, trigger: "manual" }, { ...fast, analyzeAfterRows: Number.MAX_SAFE_INTEGER });
    expect(below.status).toBe("succeeded");
    const before = await stats("daily_summary");
    expect(before.actual).toBeGreaterThan(0);
    if (t.kind === "pglite") expect(before.believed).toBeLessThan(before.actual);

    const bulk = await connectAs(t.db, sim, await newUser(t.db, "analyze-bulk"), "oura", "analyze-bulk");
    const run = await runSync(t.db, { connectionId: bulk.id, trigger: "manual" }, { ...fast, analyzeAfterRows: 1 });
    expect(run.status).toBe("succeeded");
    const after = await stats("daily_summary");
    expect(after.actual).toBeGreaterThan(before.actual);
    expect(after.believed).toBe(after.actual);
  }, 120_000);
});
