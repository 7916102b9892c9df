import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { toPgArray } from "@/lib/normalize/upsert";
import type { NormalizedBatch } from "@/lib/normalize/types";
import type { BridgeProvider, Collector } from "./collector";
import { rowsOf } from "@/lib/db/rows";

/**
 * Edited records of the phone bridges replace their earlier version instead of adding a second one.
 *
 * Records with the source's own id (Health Auto Export v2 `id`, Health Connect `metadata.id`) are
 * upserted on it. The others get a key without the fields an edit changes (hae.ts,
 * health-connect.ts), but an edit can still move the keyed field itself (a sleep session's derived
 * start, a workout's start), and ids of an older key scheme are still stored. So after a request
 * is written, in its transaction: a stored activity or sleep session of the same user, provider and
 * source that overlaps in time one this request wrote (activities: same type; sleep: both main
 * sleep, or both naps), that this request did not write itself, is the earlier version of an
 * edited record and is soft-deleted (`deleted_at`). The request is taken as the truth: it is what
 * the phone's store says now.
 *
 * Only when at least one of the two has a synthesized id: two records that each carry their
 * source's own id are two records in the source's own words, however they overlap.
 */

/** Prefixes of the ids hae.ts and health-connect.ts make up for records without an id of their own. */
const SYNTHESIZED_ID = /^(v1|night|nap|hc|sleep)-/;

export const isSynthesizedId = (externalId: string): boolean => SYNTHESIZED_ID.test(externalId);

/**
 * No stored bridge record can start earlier than this before one it overlaps (plausibility.ts caps
 * an activity at 7 days, a night at 2): it bounds the index range each written record scans.
 */
const LOOKBACK = "8 days";

type Written = { provider: string; externalId: string; kind: string; source: string | null; startAt: Date; endAt: Date };

/** The activities and sleep sessions a request wrote, across its flushes (a few fields each). */
export class WrittenRecords {
  readonly activities = new Map<string, Written>();
  readonly sleepSessions = new Map<string, Written>();

  add(batch: Partial<NormalizedBatch>): void {
    for (const a of batch.activities ?? []) {
      const end = a.endAt ?? (a.durationS != null ? new Date(a.startAt.getTime() + a.durationS * 1000) : a.startAt);
      this.activities.set(`${a.provider}\u0000${a.externalId}`, {
        provider: a.provider,
        externalId: a.externalId,
        kind: a.type,
        source: a.source ?? null,
        startAt: a.startAt,
        endAt: end < a.startAt ? a.startAt : end,
      });
    }
    for (const s of batch.sleepSessions ?? [])
      this.sleepSessions.set(`${s.provider}\u0000${s.externalId}`, {
        provider: s.provider,
        externalId: s.externalId,
        // A nap is never an earlier version of a night, nor a night of a nap.
        kind: s.isNap ? "nap" : "main",
        source: s.source ?? null,
        startAt: s.startAt,
        endAt: s.endAt < s.startAt ? s.startAt : s.endAt,
      });
  }
}

export type ReplacedRecord = { provider: BridgeProvider; externalId: string; localDate: string; replacedBy: string };
export type Replaced = { activities: ReplacedRecord[]; sleepSessions: ReplacedRecord[] };

/** Soft-deletes the earlier versions of the records `written` holds; returns what it replaced. */
export async function replaceEditedRecords(db: DbOrTx, userId: string, written: WrittenRecords, now: Date): Promise<Replaced> {
  return {
    activities: await replaceIn(db, "activity", userId, [...written.activities.values()], now),
    sleepSessions: await replaceIn(db, "sleep_session", userId, [...written.sleepSessions.values()], now),
  };
}

async function replaceIn(db: DbOrTx, table: "activity" | "sleep_session", userId: string, rows: Written[], now: Date): Promise<ReplacedRecord[]> {
  if (!rows.length) return [];
  const col = (f: (r: Written) => unknown, type = "text") => toPgArray(rows.map(f), type);
  // An activity's extent: its end, else start + duration, else its start alone.
  const end =
    table === "activity"
      ? sql`GREATEST(COALESCE(a.end_at, a.start_at + a.duration_s * interval '1 second', a.start_at), a.start_at)`
      : sql`GREATEST(a.end_at, a.start_at)`;
  const sameKind = table === "activity" ? sql`a.type = w.kind` : sql`a.is_nap = (w.kind = 'nap')`;
  const result = await db.execute(sql`
    WITH w AS (
      SELECT * FROM unnest(${col((r) => r.provider)}::text[], ${col((r) => r.externalId)}::text[], ${col((r) => r.kind)}::text[],
                           ${col((r) => r.source)}::text[], ${col((r) => r.startAt, "timestamptz")}::timestamptz[],
                           ${col((r) => r.endAt, "timestamptz")}::timestamptz[])
        AS w(provider, external_id, kind, source, start_at, end_at)
    ),
    earlier AS (
      SELECT DISTINCT ON (a.id) a.id, w.external_id AS replaced_by
      FROM w
      JOIN ${sql.raw(table)} a
        ON a.user_id = ${userId}::uuid AND a.provider = w.provider
       AND a.start_at >= w.start_at - interval '${sql.raw(LOOKBACK)}' AND a.start_at <= w.end_at
      WHERE a.deleted_at IS NULL AND ${sameKind}
        AND a.source IS NOT DISTINCT FROM w.source
        AND (a.start_at < w.end_at AND w.start_at < ${end} OR a.start_at = w.start_at)
        AND (w.external_id ~ ${SYNTHESIZED_ID.source} OR a.external_id ~ ${SYNTHESIZED_ID.source})
        AND NOT EXISTS (SELECT 1 FROM w mine WHERE mine.provider = a.provider AND mine.external_id = a.external_id)
      ORDER BY a.id, w.start_at
    )
    UPDATE ${sql.raw(table)} a SET deleted_at = ${now.toISOString()}::timestamptz, updated_at = now()
    FROM earlier
    WHERE a.id = earlier.id
    RETURNING a.provider, a.external_id, a.local_date::text AS local_date, earlier.replaced_by`);
  const out = rowsOf<{
    provider: BridgeProvider;
    external_id: string;
    local_date: string;
    replaced_by: string;
  }>(result);
  return out
    .map((r) => ({ provider: r.provider, externalId: r.external_id, localDate: r.local_date, replacedBy: r.replaced_by }))
    .sort((x, y) => (x.localDate < y.localDate ? -1 : x.localDate > y.localDate ? 1 : x.externalId < y.externalId ? -1 : 1));
}

/**
 * Tells the request about what it replaced: the days of replaced nights are recomputed with the
 * request's own (their sleep total changes), and the response says so in a warning.
 */
export function noteReplaced(out: Collector, replaced: Replaced): void {
  for (const s of replaced.sleepSessions) {
    let days = out.sleepDays.get(s.provider);
    if (!days) out.sleepDays.set(s.provider, (days = new Set()));
    days.add(s.localDate);
  }
  const parts = [
    replaced.activities.length ? `${replaced.activities.length} workout(s)` : "",
    replaced.sleepSessions.length ? `${replaced.sleepSessions.length} sleep session(s)` : "",
  ].filter(Boolean);
  if (!parts.length) return;
  const days = [...new Set([...replaced.activities, ...replaced.sleepSessions].map((r) => r.localDate))].sort();
  out.warn(
    `Replaced the earlier version of ${parts.join(" and ")} that this request changed (same source, overlapping in time), on ${days.slice(0, 10).join(", ")}${days.length > 10 ? ", …" : ""}.`,
  );
}
