import type { ProviderConnection } from "@/lib/db/schema";
import type { BudgetWindow } from "./rate-budget";

/**
 * What a provider's fetcher (`providers/<id>/fetch.ts`) declares. The engine owns the bookkeeping
 * (windows, watermarks, cursors, counts); a fetcher only knows how to page through one provider's
 * endpoints and hands each page of raw records to the engine, which runs the provider's normalizer.
 */

export type TimeWindow = { from: Date; to: Date };

/** Records the provider says were deleted (Hevy workout events). */
export type Deletion = { table: "activity" | "sleep_session"; externalId: string; deletedAt: Date };

export type Page<R extends string = never> = {
  /** Raw records exactly as received (the endpoint's list items), for the resource's normalizer. */
  records: unknown[];
  /** Another transform of the same provider for these records (Hevy change feed: "workout_events"). */
  transform?: R;
  /** Time zone the records' local times are in, when the response says (Withings `body.timezone`). */
  timezone?: string;
  deletions?: Deletion[];
};

/** The HTTP helper fetchers use: auth, rate budget, retries, refresh-once-on-401 are done for them. */
export interface SyncHttp {
  /** JSON of a successful response. `url` is the REAL provider url (rewritten for the simulator later). */
  json(url: string, init?: RequestSpec): Promise<unknown>;
}

export type RequestSpec = {
  method?: "GET" | "POST";
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | number | undefined | null>;
  /** Sent as application/json (Google Health roll-ups); not together with `form`. */
  body?: unknown;
  /** Short words for error messages, e.g. "activities". */
  what?: string;
};

export type FetchContext = {
  http: SyncHttp;
  connection: ProviderConnection;
  /** The instant this run started; windows never reach past it. */
  now: Date;
  /** The user's time zone when known (IANA name or fixed offset), for providers that take one. */
  timezone?: string;
};

type ResourceBase<R extends string> = {
  /** sync_state.resource, and the key of the provider's transform (a name without one is a compile error). */
  resource: R;
  /** Shown on the settings page. */
  label: string;
  /** History the provider serves for this resource; undefined = as far back as it goes. */
  maxHistoryDays?: number;
  /** How far a delta reaches back behind the watermark, for late and edited data. */
  overlapMs: number;
  /** Records per full page, for paged endpoints (the provider's documented maximum). */
  pageSize?: number;
};

/**
 * Time-window resources: everything in [from, to) can be asked for. Where the API takes any range
 * (no `windowDays`), a backfill is ONE paged walk over the whole history, resumable page by page;
 * where the provider caps a request's range, it walks windows of `windowDays` from the newest back.
 * Deltas re-fetch [watermark − overlap, now), unless the provider offers something better
 * (`fetchChanges`: Withings `lastupdate`, Strava `after`).
 */
export type WindowResource<R extends string = string> = ResourceBase<R> & {
  kind: "window";
  /**
   * The provider's cap on one request's range, in days (each provider's documented limit, or an
   * UNCONFIRMED one behind its own constant). Absent: the endpoint takes any range.
   */
  windowDays?: number;
  /** Day-granular APIs (YYYY-MM-DD parameters): windows are aligned to UTC midnights. */
  dayAligned?: boolean;
  /**
   * The pages of [from, to). `resume` is a page's `next` from an earlier, interrupted walk of the
   * same window: continue after that page.
   */
  fetchWindow(ctx: FetchContext, window: TimeWindow, resume?: FeedCursor): AsyncIterable<WalkPage<R>>;
  /** Everything created or changed since `since` (inclusive), paged. */
  fetchChanges?(ctx: FetchContext, since: Date): AsyncIterable<Page<R>>;
};

/** A page of a window; `next` (when the fetcher can resume there) is where the walk goes on after it. */
export type WalkPage<R extends string = never> = Page<R> & { next?: FeedCursor };

/** A cursor page of a feed backfill; `next: null` ends the backfill. `fraction` = share done so far. */
export type FeedPage<R extends string = never> = Page<R> & { next: FeedCursor | null; fraction?: number };
export type FeedCursor = Record<string, string | number>;

/**
 * Feed resources have no time filter (Hevy): the backfill pages through everything newest first,
 * committing the page cursor; deltas use a change feed since the watermark.
 */
export type FeedResource<R extends string = string> = ResourceBase<R> & {
  kind: "feed";
  backfill(ctx: FetchContext, cursor: FeedCursor | null): AsyncIterable<FeedPage<R>>;
  fetchChanges(ctx: FetchContext, since: Date): AsyncIterable<Page<R>>;
};

export type ResourceFetcher<R extends string = string> = WindowResource<R> | FeedResource<R>;

/** How a response that came back 200 can still be an error (Withings `status`, COROS `result`). */
export type BodyVerdict =
  | { kind: "ok" }
  | { kind: "rate_limited"; retryAfterMs?: number; reason: string }
  | { kind: "unauthorized"; reason: string }
  | { kind: "transient"; reason: string }
  | { kind: "invalid"; reason: string };

/** `R`: the names of the provider's transforms; every resource and every page names one of them. */
export type ProviderFetcher<R extends string = string> = {
  /**
   * Once per run, before any resource: the user's time zone for records with local times and no
   * offset (Google Health settings, WHOOP's latest cycle offset). One request at most.
   */
  timezone?(ctx: FetchContext): Promise<string | undefined>;
  /** Adds the credential to an outgoing request (Bearer header, api-key header, query token…). */
  authorize(req: { url: URL; headers: Headers }, accessToken: string, connection: ProviderConnection): void;
  /** Classifies a 2xx JSON body; absent = every 2xx is a success. */
  checkBody?(json: unknown): BodyVerdict;
  /** The provider's documented budget (enforced across processes). */
  budget: BudgetWindow[];
  /** Reads "remaining / reset" headers; when nothing is left, everyone waits until the reset. */
  rateLimitHeaders?(headers: Headers, now: Date): { exhaustedUntil?: Date } | undefined;
  resources: ResourceFetcher<R>[];
};
