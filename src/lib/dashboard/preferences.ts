import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { measurements, sourcePriority, users, WEEK_STARTS, type WeekStart } from "@/lib/db/schema";
import { isTimeZone } from "@/lib/normalize/dates";
import { providerName } from "@/lib/providers";
import { METRIC_IDS, METRICS, type MetricId } from "@/lib/reconcile/metrics";
import { defaultProviderOrder, familyOf } from "@/lib/reconcile/priority";
import { recomputeUser } from "@/lib/reconcile/store";

/** The user's source order per metric and home time zone; changing either recomputes their record. */

export type PriorityKey = MetricId | "activity";
export const PRIORITY_KEYS: readonly PriorityKey[] = [...METRIC_IDS, "activity"];
export const isPriorityKey = (v: string): v is PriorityKey => (PRIORITY_KEYS as readonly string[]).includes(v);
export const priorityLabel = (k: PriorityKey) => (k === "activity" ? "Workouts" : METRICS[k].label);

export class PreferenceError extends Error {}

const defaults = (key: PriorityKey) => defaultProviderOrder(key === "activity" ? "activity" : familyOf(key));

/** The order in effect for every metric: the user's own first, then the defaults they did not move. */
export async function sourceOrders(db: Db, userId: string): Promise<Array<{ key: PriorityKey; label: string; custom: boolean; providers: Array<{ id: string; name: string }> }>> {
  const rows = await db.select().from(sourcePriority).where(eq(sourcePriority.userId, userId));
  const own = new Map(rows.map((r) => [r.metric, r.providers]));
  return PRIORITY_KEYS.map((key) => {
    const mine = own.get(key) ?? [];
    const order = [...mine, ...defaults(key).filter((p) => !mine.includes(p))];
    return { key, label: priorityLabel(key), custom: own.has(key), providers: order.map((id) => ({ id, name: providerName(id) })) };
  });
}

/** Moves one provider a place up or down in `key`'s order, saves the whole order, recomputes. */
export async function moveSource(db: Db, userId: string, key: PriorityKey, provider: string, direction: "up" | "down"): Promise<string[]> {
  const current = (await sourceOrders(db, userId)).find((o) => o.key === key)!.providers.map((p) => p.id);
  const i = current.indexOf(provider);
  if (i === -1) throw new PreferenceError(`${providerName(provider)} is not a source of ${priorityLabel(key)}.`);
  const j = direction === "up" ? i - 1 : i + 1;
  if (j < 0 || j >= current.length) return current;
  [current[i], current[j]] = [current[j], current[i]];
  await db
    .insert(sourcePriority)
    .values({ userId, metric: key, providers: current })
    .onConflictDoUpdate({ target: [sourcePriority.userId, sourcePriority.metric], set: { providers: current, updatedAt: sql`now()` } });
  await recomputeUser(db, userId);
  return current;
}

/** Back to the default order for `key`. */
export async function resetSourceOrder(db: Db, userId: string, key: PriorityKey): Promise<void> {
  await db.delete(sourcePriority).where(and(eq(sourcePriority.userId, userId), eq(sourcePriority.metric, key)));
  await recomputeUser(db, userId);
}

export const WEEK_START_LABELS: Record<WeekStart, string> = { monday: "Monday", sunday: "Sunday" };
export const isWeekStart = (v: unknown): v is WeekStart => (WEEK_STARTS as readonly unknown[]).includes(v);

/** The first day of the user's week: only how weeks are grouped for display, so nothing is recomputed. */
export async function setWeekStart(db: Db, userId: string, weekStart: string): Promise<void> {
  if (!isWeekStart(weekStart)) throw new PreferenceError(`A week starts on ${WEEK_STARTS.join(" or ")}.`);
  await db.update(users).set({ weekStartsOn: weekStart }).where(eq(users.id, userId));
}

/**
 * A new home zone moves the local day of every reading whose source gave no offset (those took
 * their day from the home zone, see upsert.ts), then every day is rebuilt.
 */
export async function setHomeTimeZone(db: Db, userId: string, zone: string): Promise<void> {
  if (!isTimeZone(zone)) throw new PreferenceError(`"${zone}" is not a time zone name like Europe/Berlin or America/New_York.`);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ timeZone: zone }).where(eq(users.id, userId));
    await tx
      .update(measurements)
      .set({ localDate: sql`(${measurements.measuredAt} AT TIME ZONE ${zone})::date` })
      .where(and(eq(measurements.userId, userId), isNull(measurements.utcOffsetMinutes)));
  });
  await recomputeUser(db, userId);
}
