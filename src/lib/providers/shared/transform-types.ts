import type { NormalizedBatch } from "@/lib/normalize/types";

/**
 * The contract of the per-provider transforms (`<id>.ts` in this folder): pure functions from the
 * vendor JSON records of one endpoint to normalized rows. No I/O, no clock, no user id.
 *
 * - `records` are the items of the endpoint's list exactly as received (Strava: the array;
 *   Oura: `data[]`; WHOOP: `records[]`; Withings getmeas: `body.measuregrps[]`; Polar sleep:
 *   `nights[]`; …). Each transform's comment names what it expects.
 * - Every record is validated with a lenient zod schema (unknown keys pass through, most fields
 *   optional). A record that fails, or that lacks what a row needs (an id, a time), is SKIPPED and
 *   reported in `skipped` with the reason; the rest of the page is still normalized. Transforms
 *   never throw for bad records.
 * - Every accepted record also yields one RawRow (`resource`, `externalId`, `payload` = the record).
 * - Provider deletions (Hevy `deleted` events, Strava webhook `aspect_type: "delete"`) come back in
 *   `deletions`; the engine marks `deleted_at` on the matching rows (user, provider, externalId).
 *   A deletion never appears as a row.
 * - Daily summaries: each transform writes only its own columns and keeps the rest null; its vendor
 *   record goes under one key of `raw`, `"<provider>:<resource>"` (e.g. `"withings:sleep_summary"`).
 *   The shared upsert merges several parts of one (user, provider, date) into one row. Within one
 *   batch a transform emits at most one part per date (later records win per column).
 */

export type TransformContext = {
  /**
   * The user's time zone, for records that carry local times without an offset (Polar continuous HR, Hevy body measurements, WHOOP recoveries). An IANA name
   * ("Europe/Paris") or a fixed offset ("+05:30", "-05:00", "Z"). Default UTC. An unknown zone is
   * the caller's mistake, not the record's: the transform throws a RangeError.
   */
  timezone?: string;
  /** When the records were fetched; dates snapshot resources that carry no time (WHOOP body_measurement). */
  fetchedAt?: Date;
};

export type Skipped = { reason: string; record: unknown };

/** A record the provider says is gone; same shape as the sync engine's `Deletion`. */
export type Deletion = { table: "activity" | "sleep_session"; externalId: string; deletedAt: Date };

export type TransformResult = {
  batch: NormalizedBatch;
  skipped: Skipped[];
  deletions: Deletion[];
};

export type Transform = (records: unknown[], ctx?: TransformContext) => TransformResult;
