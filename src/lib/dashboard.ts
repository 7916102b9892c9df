import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { activities, apiKeys, dailySummaries, providerConnections, sleepSessions } from "@/lib/db/schema";
import { formatDuration, formatKm, localDateTime } from "@/lib/format";
import { providerName } from "@/lib/providers";

const sourceName = (provider: string, source: string | null) => {
  const name = providerName(provider);
  return source ? `${name} (${source})` : name;
};

/** What /dashboard shows: the latest activities and nights from every source. */
export async function dashboardData(db: Db, userId: string, limit = 20) {
  const [[{ n: connectionCount }], [{ n: keyCount }], recentActivities, recentNights, recentDays] = await Promise.all([
    db.select({ n: count() }).from(providerConnections).where(eq(providerConnections.userId, userId)),
    db.select({ n: count() }).from(apiKeys).where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt))),
    db
      .select()
      .from(activities)
      .where(and(eq(activities.userId, userId), isNull(activities.deletedAt)))
      .orderBy(desc(activities.startAt))
      .limit(limit),
    db
      .select()
      .from(sleepSessions)
      .where(and(eq(sleepSessions.userId, userId), isNull(sleepSessions.deletedAt)))
      .orderBy(desc(sleepSessions.endAt))
      .limit(limit),
    db
      .select()
      .from(dailySummaries)
      .where(eq(dailySummaries.userId, userId))
      .orderBy(desc(dailySummaries.date), dailySummaries.provider)
      .limit(limit),
  ]);
  const round = (v: number | null, digits = 0) => (v == null ? null : v.toFixed(digits));
  return {
    connections: Number(connectionCount) + Number(keyCount),
    activities: recentActivities.map((a) => ({
      id: a.id,
      name: a.name,
      type: a.type,
      localStart: localDateTime(a.startAt, a.utcOffsetMinutes),
      distanceKm: formatKm(a.distanceM),
      duration: formatDuration(a.durationS),
      source: sourceName(a.provider, a.source),
    })),
    nights: recentNights.map((n) => ({
      id: n.id,
      localDate: n.localDate,
      window: `${localDateTime(n.startAt, n.utcOffsetMinutes)} → ${localDateTime(n.endAt, n.utcOffsetMinutes).slice(11)}`,
      asleep: formatDuration(n.asleepS),
      deep: formatDuration(n.deepS),
      rem: formatDuration(n.remS),
      source: sourceName(n.provider, n.source),
    })),
    days: recentDays.map((d) => ({
      id: d.id,
      date: d.date,
      steps: d.steps,
      activeEnergyKcal: round(d.activeEnergyKcal),
      restingHr: round(d.restingHr),
      hrv: d.hrvRmssdMs != null ? `${round(d.hrvRmssdMs)} ms RMSSD` : d.hrvSdnnMs != null ? `${round(d.hrvSdnnMs)} ms SDNN` : null,
      weightKg: round(d.weightKg, 1),
      source: sourceName(d.provider, null),
    })),
  };
}
