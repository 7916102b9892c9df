import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type TestDb } from "@/test/db";
import { blockBudget, readBudget, takeBudget, type BudgetWindow } from "./rate-budget";

/**
 * The shared budget on a real database. On PostgreSQL the concurrent takers run on separate pooled
 * connections, i.e. separate sessions exactly like separate processes.
 */
describe.each(engines)("rate budget ($name)", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  const quarter: BudgetWindow = { name: "15m", ms: 15 * 60_000, limit: 5, scope: "app" };
  const day: BudgetWindow = { name: "day", ms: 86_400_000, limit: 7, scope: "app" };
  const at = (iso: string) => new Date(iso);

  it("hands out exactly `limit` slots per window, then says when the window resets", async () => {
    const now = at("2026-03-01T10:03:00Z");
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await takeBudget(t.db, "p-seq", "c1", [quarter], now));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results[5]).toEqual({ ok: false, retryAt: at("2026-03-01T10:15:00Z") });
    // Next quarter: fresh budget.
    expect(await takeBudget(t.db, "p-seq", "c1", [quarter], at("2026-03-01T10:15:00Z"))).toEqual({ ok: true });
    const [row] = await readBudget(t.db, "p-seq", [quarter]);
    expect(row.used).toBe(1);
    expect(row.windowStart).toEqual(at("2026-03-01T10:15:00Z"));
  });

  it("a refusal in one window does not use up a slot in the others", async () => {
    const t0 = at("2026-03-02T00:00:00Z");
    let ok = 0;
    // 7/day but 5/15 min: the 6th and 7th are refused by the quarter and must not eat the daily budget.
    for (let i = 0; i < 7; i++) if ((await takeBudget(t.db, "p-two", "c1", [quarter, day], t0)).ok) ok++;
    expect(ok).toBe(5);
    const later = at("2026-03-02T00:20:00Z");
    for (let i = 0; i < 5; i++) if ((await takeBudget(t.db, "p-two", "c1", [quarter, day], later)).ok) ok++;
    expect(ok).toBe(7);
    expect(await takeBudget(t.db, "p-two", "c1", [quarter, day], later)).toEqual({ ok: false, retryAt: at("2026-03-03T00:00:00Z") });
  });

  it("concurrent takers never exceed the limit", async () => {
    const w: BudgetWindow = { name: "min", ms: 60_000, limit: 20, scope: "app" };
    const now = at("2026-03-03T08:00:10Z");
    const results = await Promise.all(Array.from({ length: 60 }, () => takeBudget(t.db, "p-conc", "c1", [w], now)));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    const [row] = await readBudget(t.db, "p-conc", [w]);
    expect(row.used).toBe(20);
  });

  it("per-connection windows are separate budgets; app windows are shared", async () => {
    const hour: BudgetWindow = { name: "hour", ms: 3_600_000, limit: 2, scope: "connection" };
    const now = at("2026-03-04T09:30:00Z");
    for (const c of ["a", "b"]) {
      expect((await takeBudget(t.db, "p-conn", c, [hour], now)).ok).toBe(true);
      expect((await takeBudget(t.db, "p-conn", c, [hour], now)).ok).toBe(true);
      expect((await takeBudget(t.db, "p-conn", c, [hour], now)).ok).toBe(false);
    }
  });

  it("a block (Retry-After) stops everyone until it passes, even with budget left", async () => {
    const now = at("2026-03-05T12:00:00Z");
    expect((await takeBudget(t.db, "p-block", "c1", [quarter], now)).ok).toBe(true);
    await blockBudget(t.db, "p-block", "c1", [quarter], at("2026-03-05T12:00:30Z"), now);
    expect(await takeBudget(t.db, "p-block", "c2", [quarter], at("2026-03-05T12:00:10Z"))).toEqual({
      ok: false,
      retryAt: at("2026-03-05T12:00:30Z"),
    });
    expect((await takeBudget(t.db, "p-block", "c2", [quarter], at("2026-03-05T12:00:31Z"))).ok).toBe(true);
    // A shorter later block never shortens a longer one.
    await blockBudget(t.db, "p-block", "c1", [quarter], at("2026-03-05T12:05:00Z"), now);
    await blockBudget(t.db, "p-block", "c1", [quarter], at("2026-03-05T12:01:00Z"), now);
    expect(await takeBudget(t.db, "p-block", "c1", [quarter], at("2026-03-05T12:02:00Z"))).toEqual({
      ok: false,
      retryAt: at("2026-03-05T12:05:00Z"),
    });
  });
});
