import type { FeedResource, FetchContext, Page, ProviderFetcher } from "@/lib/sync/types";
import { isObject, listOf, MINUTE_MS, perWindow } from "../shared/fetch";
import type { hevyTransforms } from "./transform";

/** What this fetcher may name: the resources hevy has transforms for. */
type HevyResource = keyof typeof hevyTransforms;

/**
 * Hevy public API (providers.md §9), `api-key` header, pages of at most 10. No time filters:
 * - workouts: the backfill pages `GET /v1/workouts` (newest first), committing the page number;
 *   deltas read the change feed `GET /v1/workouts/events?since=` (updates AND deletions).
 * - body measurements: `GET /v1/body_measurements` pages; deltas read pages from the newest end
 *   until they are older than the watermark (the list's order is checked, not assumed), and keep
 *   the whole newest page (no modification times: re-reading is how edits show).
 * A 401 cannot be fixed by a refresh (it is the user's key): the connection needs the user.
 */

const API = "https://api.hevyapp.com/v1";
export const HEVY_PAGE_SIZE = 10;
/** UNCONFIRMED: Hevy publishes no limit and sends no rate-limit headers; a polite ceiling. */
const HEVY_BUDGET = [perWindow("min", MINUTE_MS, 120)];

type HevyPage = { records: unknown[]; pageCount: number };

async function getPage(ctx: FetchContext, path: string, key: string, page: number, extra: Record<string, string> = {}): Promise<HevyPage> {
  const json = await ctx.http.json(`${API}${path}`, { query: { page, pageSize: HEVY_PAGE_SIZE, ...extra }, what: key.replace("_", " ") });
  const pageCount = isObject(json) && typeof json.page_count === "number" ? json.page_count : 0;
  return { records: listOf("hevy", json, key, key), pageCount };
}

const workouts: FeedResource<HevyResource> = {
  kind: "feed",
  resource: "workouts",
  label: "Workouts",
  overlapMs: 60 * MINUTE_MS,
  pageSize: HEVY_PAGE_SIZE,
  async *backfill(ctx, cursor) {
    for (let page = Number(cursor?.page ?? 1); ; page++) {
      const { records, pageCount } = await getPage(ctx, "/workouts", "workouts", page);
      const done = page >= pageCount || records.length === 0;
      yield { records, next: done ? null : { page: page + 1 }, fraction: pageCount ? Math.min(1, page / pageCount) : 1 };
      if (done) return;
    }
  },
  async *fetchChanges(ctx, since) {
    for (let page = 1; ; page++) {
      const { records, pageCount } = await getPage(ctx, "/workouts/events", "events", page, { since: since.toISOString() });
      if (records.length) yield { records, transform: "workout_events" } satisfies Page<HevyResource>;
      if (page >= pageCount || records.length === 0) return;
    }
  },
};

const dateOf = (r: unknown) => (isObject(r) && typeof r.date === "string" ? r.date : "");

const bodyMeasurements: FeedResource<HevyResource> = {
  kind: "feed",
  resource: "body_measurements",
  label: "Body measurements",
  overlapMs: 2 * 24 * 60 * MINUTE_MS,
  pageSize: HEVY_PAGE_SIZE,
  async *backfill(ctx, cursor) {
    for (let page = Number(cursor?.page ?? 1); ; page++) {
      const { records, pageCount } = await getPage(ctx, "/body_measurements", "body_measurements", page);
      const done = page >= pageCount || records.length === 0;
      yield { records, next: done ? null : { page: page + 1 }, fraction: pageCount ? Math.min(1, page / pageCount) : 1 };
      if (done) return;
    }
  },
  async *fetchChanges(ctx, since) {
    const cutoff = since.toISOString().slice(0, 10);
    const first = await getPage(ctx, "/body_measurements", "body_measurements", 1);
    const dates = first.records.map(dateOf);
    const newestFirst = dates.length < 2 || dates[0] >= dates[dates.length - 1];
    // Walk from the newest end until a page holds nothing on or after the cutoff.
    let page = newestFirst ? 1 : first.pageCount;
    let current = newestFirst ? first : await getPage(ctx, "/body_measurements", "body_measurements", page);
    for (let newest = true; ; newest = false) {
      const recent = current.records.filter((r) => dateOf(r) >= cutoff);
      // The newest page is read anyway and its measurements carry no modification time: all of it
      // goes to the (idempotent) upsert, so an edit to a recent one is seen even when nothing is new
      // since the cutoff (measurements are weekly, the overlap two days).
      const records = newest ? current.records : recent;
      if (records.length) yield { records };
      if (recent.length < current.records.length || current.records.length === 0) return;
      page += newestFirst ? 1 : -1;
      if (page < 1 || page > current.pageCount) return;
      current = await getPage(ctx, "/body_measurements", "body_measurements", page);
    }
  },
};

export const hevyFetcher: ProviderFetcher<HevyResource> = {
  authorize: (req, apiKey) => req.headers.set("api-key", apiKey),
  budget: HEVY_BUDGET,
  resources: [workouts, bodyMeasurements],
};
