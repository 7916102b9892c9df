import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { rateBudget } from "@/lib/db/schema";

/**
 * Each provider's request budget, shared by every process through the `rate_budget` table: one row
 * per (provider, window key) holding the current fixed window's start, the requests used in it and
 * an optional `blocked_until` (set from a 429's Retry-After or a provider's "0 remaining" header).
 *
 * Taking a request slot is one `INSERT … ON CONFLICT DO UPDATE … WHERE used < limit` per window
 * inside a transaction: the row lock serializes concurrent takers across processes, and a refusal
 * in any window rolls the others back, so no slot is lost. Windows are fixed and aligned to UTC
 * (Strava's quarter hours and 00:00 UTC, Google Health's minutes); a provider with a rolling
 * window may still answer 429 at a boundary, which the client honours.
 */

export type BudgetWindow = {
  /** Stable name, part of the row key: "15m", "day", "hour". */
  name: string;
  ms: number;
  limit: number;
  /** "app": one budget for the whole application; "connection": one per connected account (Google Health). */
  scope: "app" | "connection";
};

export type BudgetDecision = { ok: true } | { ok: false; retryAt: Date };

const windowKey = (w: BudgetWindow, connectionId: string) => (w.scope === "app" ? w.name : `${w.name}:${connectionId}`);
const alignedStart = (now: Date, ms: number) => new Date(Math.floor(now.getTime() / ms) * ms);
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

class BudgetRefused extends Error {
  constructor(readonly retryAt: Date) {
    super("budget refused");
  }
}

/** Takes one request slot in every window, or says when to come back. */
export async function takeBudget(
  db: Db,
  provider: string,
  connectionId: string,
  windows: BudgetWindow[],
  now = new Date(),
): Promise<BudgetDecision> {
  if (windows.length === 0) return { ok: true };
  try {
    await db.transaction(async (tx) => {
      for (const w of windows) {
        const start = alignedStart(now, w.ms);
        const key = windowKey(w, connectionId);
        const taken = await tx
          .insert(rateBudget)
          .values({ provider, window: key, windowStart: start, used: 1 })
          .onConflictDoUpdate({
            target: [rateBudget.provider, rateBudget.window],
            set: {
              used: sql`CASE WHEN ${rateBudget.windowStart} < ${ts(start)} THEN 1 ELSE ${rateBudget.used} + 1 END`,
              windowStart: sql`GREATEST(${rateBudget.windowStart}, ${ts(start)})`,
            },
            setWhere: sql`(${rateBudget.windowStart} < ${ts(start)} OR ${rateBudget.used} < ${w.limit})
              AND (${rateBudget.blockedUntil} IS NULL OR ${rateBudget.blockedUntil} <= ${ts(now)})`,
          })
          .returning({ used: rateBudget.used });
        if (taken.length === 0) {
          const [row] = await tx
            .select()
            .from(rateBudget)
            .where(and(eq(rateBudget.provider, provider), eq(rateBudget.window, key)));
          const windowEnd = new Date(alignedStart(now, w.ms).getTime() + w.ms);
          const blocked = row?.blockedUntil && row.blockedUntil > now ? row.blockedUntil : null;
          throw new BudgetRefused(blocked ?? windowEnd);
        }
      }
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof BudgetRefused) return { ok: false, retryAt: error.retryAt };
    throw error;
  }
}

/** Blocks the provider's budget (all its windows for this scope) until `until`, for every process. */
export async function blockBudget(
  db: Db,
  provider: string,
  connectionId: string,
  windows: BudgetWindow[],
  until: Date,
  now = new Date(),
): Promise<void> {
  for (const w of windows) {
    await db
      .insert(rateBudget)
      .values({ provider, window: windowKey(w, connectionId), windowStart: alignedStart(now, w.ms), used: 0, blockedUntil: until })
      .onConflictDoUpdate({
        target: [rateBudget.provider, rateBudget.window],
        set: { blockedUntil: sql`GREATEST(COALESCE(${rateBudget.blockedUntil}, ${ts(until)}), ${ts(until)})` },
      });
  }
}

/** Current state of a provider's budget rows (for tests and the benchmark). */
export async function readBudget(db: Db, provider: string, windows: BudgetWindow[], connectionId = "") {
  const keys = windows.map((w) => windowKey(w, connectionId));
  if (keys.length === 0) return [];
  return db
    .select()
    .from(rateBudget)
    .where(and(eq(rateBudget.provider, provider), inArray(rateBudget.window, keys)));
}
