import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { post, userWithKey } from "@/lib/ingest/testing";
import { testDb, type TestDb } from "@/test/db";
import { dailySeries } from "./read";

/**
 * Property: a day's steps are exactly the sum of the points whose own wall clock says that day, for
 * points around both DST changes in several zones and points written while travelling (another
 * offset). The oracle places points with Intl's "longOffset" names, not with our zone code.
 */

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
});
afterAll(async () => t?.close());

const ZONES = ["America/Los_Angeles", "America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata"];
/** Days a DST change happens somewhere above (spring and autumn), 2024. */
const CHANGES = ["2024-03-10", "2024-03-31", "2024-04-07", "2024-10-06", "2024-10-27", "2024-11-03"];
const TRAVEL = [330, -180, 540, 0, 345, -600];

/** Minutes east of UTC that `zone` shows at `at`, read from Intl's "GMT+05:30" name. */
function oracleOffset(zone: string, at: Date): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName")!.value;
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name)!;
  return m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");
function wallClock(at: Date, offset: number): { day: string; text: string } {
  const wall = new Date(at.getTime() + offset * 60_000);
  const day = wall.toISOString().slice(0, 10);
  const sign = offset < 0 ? "-" : "+";
  return { day, text: `${day} ${wall.toISOString().slice(11, 19)} ${sign}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}` };
}

it("each day's total is the sum of the points of that local day (DST and travel)", async () => {
  const point = fc.record({
    minute: fc.integer({ min: 0, max: 4 * 24 * 60 - 1 }),
    qty: fc.integer({ min: 1, max: 1000 }),
    travel: fc.option(fc.constantFrom(...TRAVEL), { freq: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ZONES),
      fc.constantFrom(...CHANGES),
      fc.uniqueArray(point, { minLength: 1, maxLength: 40, selector: (p) => p.minute }),
      async (zone, change, points) => {
        const start = Date.parse(`${change}T00:00:00Z`) - 2 * 86_400_000;
        const expected = new Map<string, number>();
        const data = points.map((p) => {
          const at = new Date(start + p.minute * 60_000);
          const { day, text } = wallClock(at, p.travel ?? oracleOffset(zone, at));
          expected.set(day, (expected.get(day) ?? 0) + p.qty);
          return { date: text, qty: p.qty };
        });
        const u = await userWithKey(t.db, "prop");
        const res = await post(t.db, JSON.stringify({ data: { metrics: [{ name: "step_count", units: "count", data }] } }), { key: u.key });
        expect(res.status).toBe(200);
        const days = await dailySeries(t.db, u.userId, { from: "2024-01-01", to: "2024-12-31", metric: ["steps"] });
        const got = new Map(days.map((d) => [d.date, d.metrics.steps!.value]));
        expect(got).toEqual(expected);
      },
    ),
    { numRuns: 25, seed: 20261202 },
  );
}, 180_000);
