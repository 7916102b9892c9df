import { createHash } from "node:crypto";
import { and, asc, eq, gte, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { dailyValues, measurements, reconciledActivities, reconciledSleep } from "@/lib/db/schema";
import { PROVIDER_IDS } from "@/lib/providers/ids";
import { byRank, ranking, sourceLabel } from "@/lib/reconcile/priority";
import { daystamp, daystampOfDate } from "./daystamp";

/**
 * A goal link's rule, and the datapoints it asks for. Daily values and workouts come from the
 * reconciled record (one value per day, never a sum of sources); "do more measurements" counts
 * individual readings from `measurement`, a reading mirrored by a second source counted once.
 */

/** Measurement types a "do more measurements" rule can count. */
export const COUNTABLE_TYPES = ["weight", "fat_ratio", "bp_systolic", "bp_diastolic", "heart_rate", "spo2", "body_temperature"] as const;

export const goalRule = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("measurements"),
    types: z.array(z.enum(COUNTABLE_TYPES)).min(1, "choose at least one measurement type"),
    /** Providers whose readings count; empty = any source. */
    providers: z.array(z.enum(PROVIDER_IDS)).default(["withings"]),
  }),
  z.object({ kind: z.literal("body"), metric: z.enum(["weight", "body_fat"]) }),
  z.object({ kind: z.literal("activity"), metric: z.enum(["steps", "exercise_minutes", "distance", "workouts", "sleep"]) }),
]);
export type GoalRule = z.infer<typeof goalRule>;

export const ruleLabel = (rule: GoalRule): string =>
  rule.kind === "measurements"
    ? `Each measurement of ${rule.types.join(", ")} from ${rule.providers.length ? rule.providers.join(", ") : "any source"}`
    : rule.kind === "body"
      ? `The day's ${rule.metric === "weight" ? "weight (kg)" : "body fat (%)"}`
      : { steps: "Steps per day", exercise_minutes: "Active minutes per day", distance: "Distance per day (km)", workouts: "Each workout", sleep: "Hours asleep per night" }[rule.metric];

/** What we want Beeminder to hold; `anchorAt` for points that stand for one reading or workout. */
export type WantedPoint = { requestid: string; daystamp: string; value: number; comment: string; anchorAt: Date | null };

export type RuleContext = {
  userId: string;
  rule: GoalRule;
  /** The Beeminder user's zone and the goal's deadline decide the day of a reading (daystamp.ts). */
  timeZone: string;
  deadline: number;
  /** Nothing earlier is sent (local days from this instant's day in the user's home zone). */
  from: Date;
  fromDate: string;
  /** Anchors of points already sent for this link, to keep a reading's requestid when a better copy lands. */
  sentAnchors: Array<{ requestid: string; anchorAt: Date }>;
};

/**
 * Beeminder scopes a requestid to the goal (B.4), so the id is what a point stands for under its
 * kind of rule: "measurement at t", "steps on day d". A resend, a relink of the same goal or an edit
 * of a measurement rule's types hits the same ids (no duplicates); another kind of rule gets others.
 */
export function requestId(...parts: string[]): string {
  return `hb-${createHash("sha256").update(parts.join("|")).digest("base64url").slice(0, 24)}`;
}

/** Readings of one type from different providers within this of each other are one reading (reconcile-api.md). */
export const SAME_READING_MS = 60_000;

function anchoredId(ctx: RuleContext, kind: string, anchor: Date): string {
  const known = ctx.sentAnchors.find((s) => Math.abs(s.anchorAt.getTime() - anchor.getTime()) <= SAME_READING_MS);
  return known?.requestid ?? requestId(kind, anchor.toISOString());
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function wantedPoints(db: Db, ctx: RuleContext): Promise<WantedPoint[]> {
  const { rule } = ctx;
  if (rule.kind === "measurements") return measurementPoints(db, ctx, rule);
  if (rule.kind === "activity" && rule.metric === "workouts") {
    const rows = await db
      .select()
      .from(reconciledActivities)
      .where(and(eq(reconciledActivities.userId, ctx.userId), gte(reconciledActivities.startAt, ctx.from)))
      .orderBy(asc(reconciledActivities.startAt));
    return rows.map((a) => {
      const best = a.copies.find((c) => c.id === a.primaryId) ?? a.copies[0];
      return {
        requestid: anchoredId(ctx, "workout", a.startAt),
        daystamp: daystamp(a.startAt, ctx.timeZone, ctx.deadline),
        value: 1,
        comment: `${a.name ?? a.type} · ${best ? sourceLabel(best) : "Healthbridge"} (via Healthbridge)`,
        anchorAt: a.startAt,
      };
    });
  }
  if (rule.kind === "activity" && rule.metric === "sleep") {
    const rows = await db
      .select()
      .from(reconciledSleep)
      .where(and(eq(reconciledSleep.userId, ctx.userId), eq(reconciledSleep.isNap, false), gte(reconciledSleep.localDate, ctx.fromDate)));
    const byDay = new Map<string, { s: number; sources: Set<string> }>();
    for (const n of rows) {
      const d = byDay.get(n.localDate) ?? { s: 0, sources: new Set() };
      d.s += n.asleepS ?? 0;
      const best = n.copies.find((c) => c.id === n.primaryId) ?? n.copies[0];
      if (best) d.sources.add(sourceLabel(best));
      byDay.set(n.localDate, d);
    }
    return [...byDay].map(([date, d]) => ({
      requestid: requestId("sleep", date),
      daystamp: daystampOfDate(date),
      value: round(d.s / 3600, 2),
      comment: `Asleep, night ending ${date} · ${[...d.sources].join(", ")} (via Healthbridge)`,
      anchorAt: null,
    }));
  }
  const metric = rule.metric;
  const rows = await db
    .select()
    .from(dailyValues)
    .where(and(eq(dailyValues.userId, ctx.userId), eq(dailyValues.metric, metric), gte(dailyValues.date, ctx.fromDate)))
    .orderBy(asc(dailyValues.date));
  const scale = metric === "distance" ? 1 / 1000 : 1;
  const unit = metric === "distance" ? "km" : rows[0]?.unit;
  return rows.map((r) => {
    const used = r.sources.filter((s) => s.status !== "left_out").map((s) => sourceLabel(s));
    return {
      requestid: requestId(metric, r.date),
      daystamp: daystampOfDate(r.date),
      value: round(r.value * scale, 3),
      comment: `${metric.replace("_", " ")} ${round(r.value * scale, 3)} ${unit ?? ""} on ${r.date} · ${used.join(", ") || "Healthbridge"} (via Healthbridge)`.replace(/\s+/g, " "),
      anchorAt: null,
    };
  });
}

async function measurementPoints(db: Db, ctx: RuleContext, rule: Extract<GoalRule, { kind: "measurements" }>): Promise<WantedPoint[]> {
  const where = [eq(measurements.userId, ctx.userId), inArray(measurements.type, rule.types), gte(measurements.measuredAt, ctx.from)];
  if (rule.providers.length) where.push(inArray(measurements.provider, rule.providers));
  const rows = await db.select().from(measurements).where(and(...where)).orderBy(asc(measurements.measuredAt));
  const rank = ranking("body");

  // 1. A reading of one type mirrored by another provider within 60 s is one reading: the best-ranked copy.
  const readings: typeof rows = [];
  for (const type of rule.types) {
    const ofType = rows.filter((r) => r.type === type);
    const taken = new Set<string>();
    for (const r of byRank(ofType, rank)) {
      const dup = readings.some(
        (k) => k.type === type && k.provider !== r.provider && Math.abs(k.measuredAt.getTime() - r.measuredAt.getTime()) <= SAME_READING_MS,
      );
      if (!dup && !taken.has(r.id)) {
        readings.push(r);
        taken.add(r.id);
      }
    }
  }
  readings.sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime());

  // 2. One measurement = the readings taken together (a cuff's systolic, diastolic and pulse): within 60 s.
  const groups: Array<typeof rows> = [];
  for (const r of readings) {
    const last = groups.at(-1);
    if (last && r.measuredAt.getTime() - last[0].measuredAt.getTime() <= SAME_READING_MS) last.push(r);
    else groups.push([r]);
  }
  return groups.map((g) => {
    const anchor = g[0].measuredAt;
    const what = g.map((r) => `${r.type} ${round(r.value, 2)} ${r.unit}`).join(", ");
    const sources = [...new Set(g.map((r) => sourceLabel(r)))].join(", ");
    return {
      requestid: anchoredId(ctx, "measurement", anchor),
      daystamp: daystamp(anchor, ctx.timeZone, ctx.deadline),
      value: 1,
      comment: `${what} · ${sources} (via Healthbridge)`,
      anchorAt: anchor,
    };
  });
}
