import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { providerConnections, syncState, type ProviderConnection } from "@/lib/db/schema";
import { Plausibility } from "@/lib/ingest/plausibility";
import { upsertBatch, type UpsertCounts } from "@/lib/normalize/upsert";
import { ProviderRequestError, safeReason } from "@/lib/providers/shared/errors";
import type { PullProvider } from "@/lib/providers";
import { ProviderSyncHttp, type SyncHttpOptions } from "./client";
import { markDeleted } from "./deletions";
import type { ResourceProgress, RunCounts, RunProgress, SyncRun } from "./runs";
import type { FeedCursor, FeedPage, FeedResource, FetchContext, Page, ProviderFetcher, ResourceFetcher, TimeWindow, WalkPage, WindowResource } from "./types";

/**
 * The sync of one connection, resource by resource, against `sync_state`:
 * - first run: backfill from `backfill_from` (as far back as the provider allows, capped by
 *   SYNC_BACKFILL_MAX_DAYS): one paged walk over the whole range where the API takes any range,
 *   else windows of the provider's range cap, newest first. After every page the walk's resume
 *   point (the fetcher's page cursor) is committed in `cursor`, after every window
 *   `backfill_reached_at`, so an interrupted or rescheduled run goes on exactly there;
 * - every later run: first the delta since the watermark (minus an overlap for late and edited
 *   data), then more backfill if it is unfinished;
 * - resources take turns page by page, so the newest data of every kind shows up first.
 * Pages are upserted as they arrive (idempotent), so a crash between windows loses nothing and a
 * replay duplicates nothing.
 */

export const DAY_MS = 86_400_000;

export type EngineOptions = SyncHttpOptions & {
  /** Cap on first-backfill history in days (default from SYNC_BACKFILL_MAX_DAYS). */
  backfillMaxDays: number;
  /** Also never go back before this instant (tests: exactly three years). */
  backfillFrom?: Date;
  /** After every committed window or page (tests use it to interrupt a run between windows). */
  onCommit?: (e: { resource: string; phase: ResourceProgress["phase"] }) => void | Promise<void>;
  /** Minimum time between progress writes that are not at a page boundary. */
  heartbeatMs?: number;
};

export type EngineArgs = {
  run: SyncRun;
  connection: ProviderConnection;
  pull: PullProvider;
  progress: RunProgress;
  counts: RunCounts;
  /** Persists progress + counts (and checks we still own the run). */
  save: (span: { from: Date | null; to: Date | null }) => Promise<void>;
};

export type EngineResult = { failed: Array<{ resource: string; error: string }>; span: { from: Date | null; to: Date | null }; requests: number };

type StateRow = typeof syncState.$inferSelect;

const floorDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** Records per day seen in the last backfill window (sizes the next one to whole pages). */
const densityOf = (row: StateRow): number | undefined => {
  const d = row.cursor?.density;
  return typeof d === "number" ? d : undefined;
};

/** The window an interrupted backfill was walking, and the page cursor to go on from. */
function walkOf(row: StateRow): { w: TimeWindow; next: FeedCursor } | undefined {
  const c = row.cursor;
  if (!c || typeof c.walkFrom !== "string" || typeof c.walkTo !== "string" || typeof c.walkNext !== "string") return undefined;
  return { w: { from: new Date(c.walkFrom), to: new Date(c.walkTo) }, next: JSON.parse(c.walkNext) as FeedCursor };
}
const ceilDay = (t: number) => (t % DAY_MS === 0 ? t : floorDay(t) + DAY_MS);
const iso = (w: TimeWindow) => ({ from: w.from.toISOString(), to: w.to.toISOString() });
const normalizedTotal = (c: UpsertCounts, k: "inserted" | "updated" | "unchanged") =>
  c.activity[k] + c.sleep_session[k] + c.daily_summary[k] + c.measurement[k];

export function emptyResourceProgress(label: string): ResourceProgress {
  return { label, phase: "pending", window: null, backfillPct: null, fetched: 0, inserted: 0, updated: 0, unchanged: 0 };
}

/** Where a first backfill of `resource` starts. */
export function backfillStart(resource: ResourceFetcher, now: Date, opts: Pick<EngineOptions, "backfillMaxDays" | "backfillFrom">): Date {
  const days = Math.min(opts.backfillMaxDays, resource.maxHistoryDays ?? Infinity);
  let from = now.getTime() - days * DAY_MS;
  if (opts.backfillFrom) from = Math.max(from, opts.backfillFrom.getTime());
  if (resource.kind === "window" && resource.dayAligned) from = floorDay(from);
  return new Date(from);
}

/** Share of a page a window is sized to fill, leaving room for busier stretches. */
const TARGET_FILL = 0.9;

/**
 * Days in the next backfill window. Paged endpoints cost ceil(records / pageSize) requests per
 * window, so from the density seen in the previous window the next one is sized to fill whole
 * pages when that is cheaper per record (Strava: one request per ~180 activities instead of two
 * per 256); windows holding many pages mostly keep the maximum.
 */
export function windowDaysFor(resource: WindowResource, density: number | undefined): number | undefined {
  const max = resource.windowDays;
  // No range cap: the whole range is one walk, and pages fill themselves.
  if (max === undefined) return undefined;
  if (!resource.pageSize || !density || density <= 0) return max;
  const perPage = (TARGET_FILL * resource.pageSize) / density; // days that fit one page
  const fitted = Math.min(max, Math.max(1, Math.floor(max / perPage)) * perPage);
  const days = resource.dayAligned ? Math.max(1, Math.floor(fitted)) : Math.max(1 / 24, fitted);
  // Requests per record, expected: keep the longest window unless fitting whole pages is cheaper.
  const cost = (d: number) => Math.ceil((density * d) / resource.pageSize!) / (density * d);
  return cost(days) < cost(max) ? days : max;
}

/** The backfill window that ends at `to` (the oldest instant fetched so far); without a range cap, all of [start, to). */
export function backfillWindow(resource: WindowResource, to: Date, start: Date, days = resource.windowDays): TimeWindow {
  if (days === undefined) return { from: start, to };
  const span = days * DAY_MS;
  const from = resource.dayAligned ? ceilDay(to.getTime()) - span : to.getTime() - span;
  return { from: new Date(Math.max(from, start.getTime())), to };
}

/** The furthest any zone's clock is behind and ahead of UTC (Baker Island, Line Islands). */
const ZONE_WEST_MS = 12 * 3_600_000;
const ZONE_EAST_MS = 14 * 3_600_000;

/**
 * The instants [from, to) as the day-aligned window of every local date they fall on, in any zone:
 * day-granular APIs take the user's local dates, which run up to 14 h ahead of UTC and 12 h behind
 * it. Not the zone we know for the user: travellers record in others. Other resources: unchanged.
 */
export function localDates(resource: WindowResource, w: TimeWindow): TimeWindow {
  if (!resource.dayAligned) return w;
  return { from: new Date(floorDay(w.from.getTime() - ZONE_WEST_MS)), to: new Date(floorDay(w.to.getTime() - 1 + ZONE_EAST_MS) + DAY_MS) };
}

/** [from, to) cut into windows of the resource's range cap (one window without a cap), oldest first. */
export function splitWindows(resource: WindowResource, from: Date, to: Date): TimeWindow[] {
  const span = resource.windowDays === undefined ? Infinity : resource.windowDays * DAY_MS;
  const out: TimeWindow[] = [];
  let start = resource.dayAligned ? floorDay(from.getTime()) : from.getTime();
  while (start < to.getTime()) {
    const end = Math.min(start + span, to.getTime());
    out.push({ from: new Date(start), to: new Date(end) });
    start = end;
  }
  return out;
}

/**
 * The user's zone for local times without an offset: what the provider says (Google Health settings,
 * WHOOP latest cycle), else what this connection learned before, else what another connection of the
 * same user learned (Hevy and Eight Sleep have no zone of their own). Learned zones are kept in the
 * connection's `meta.timezone`.
 */
async function resolveTimezone(db: Db, fetcher: ProviderFetcher, connection: ProviderConnection, ctx: FetchContext): Promise<string | undefined> {
  const known = (m: unknown) => (m && typeof (m as Record<string, unknown>).timezone === "string" ? ((m as Record<string, unknown>).timezone as string) : undefined);
  let fromProvider: string | undefined;
  if (fetcher.timezone) {
    try {
      fromProvider = await fetcher.timezone(ctx);
    } catch (error) {
      if (!(error instanceof ProviderRequestError)) throw error; // no zone is not worth failing the run for
    }
  }
  if (fromProvider) {
    if (fromProvider !== known(connection.meta)) {
      await db
        .update(providerConnections)
        .set({ meta: sql`${providerConnections.meta} || ${JSON.stringify({ timezone: fromProvider })}::jsonb` })
        .where(eq(providerConnections.id, connection.id));
    }
    return fromProvider;
  }
  if (known(connection.meta)) return known(connection.meta);
  const others = await db
    .select({ meta: providerConnections.meta })
    .from(providerConnections)
    .where(and(eq(providerConnections.userId, connection.userId), ne(providerConnections.id, connection.id)));
  const zones = others.map((o) => known(o.meta)).filter((z): z is string => Boolean(z));
  // A named zone (with its DST rules) beats a fixed offset.
  return zones.find((z) => z.includes("/")) ?? zones[0];
}

export async function syncConnection(db: Db, args: EngineArgs, opts: EngineOptions): Promise<EngineResult> {
  const { run, connection, pull, progress, counts } = args;
  const { fetcher } = pull;
  const now = opts.now?.() ?? new Date();
  const mode = progress.mode;
  const span: { from: Date | null; to: Date | null } = { from: null, to: null };
  let lastSave = 0;
  const save = async (force: boolean) => {
    const t = Date.now();
    if (!force && t - lastSave < (opts.heartbeatMs ?? 5_000)) return;
    lastSave = t;
    await args.save(span);
  };
  const http = new ProviderSyncHttp(db, pull, connection, { ...opts, beforeRequest: () => save(false) });
  const ctx: FetchContext = { http, connection, now };
  const failed: EngineResult["failed"] = [];

  const selected = fetcher.resources.filter((r) => !run.resources || run.resources.includes(r.resource));
  for (const r of selected) progress.resources[r.resource] ??= emptyResourceProgress(r.label);
  const timezone = selected.length ? await resolveTimezone(db, fetcher, connection, ctx) : undefined;
  ctx.timezone = timezone;

  const widen = (w: TimeWindow) => {
    if (!span.from || w.from < span.from) span.from = w.from;
    if (!span.to || w.to > span.to) span.to = w.to;
  };

  async function processPage(r: ResourceFetcher, page: Page<string>): Promise<void> {
    const p = progress.resources[r.resource];
    const transform = page.transform ?? r.resource;
    const normalize = pull.transforms[transform];
    const result = normalize(page.records, { timezone: page.timezone ?? timezone, fetchedAt: new Date() });
    const deletions = [...result.deletions, ...(page.deletions ?? [])];
    if (result.skipped.length) {
      p.skipped = (p.skipped ?? 0) + result.skipped.length;
      p.lastSkip = safeReason(result.skipped[result.skipped.length - 1].reason);
    }
    // The phone bridges' plausibility rule: an implausible row is refused and reported, the rest lands.
    const { batch, refused } = new Plausibility(opts.now?.() ?? new Date()).screen(result.batch);
    if (refused.length) {
      p.refused = (p.refused ?? 0) + refused.length;
      p.lastRefusal = safeReason(`${refused[refused.length - 1].type}: ${refused[refused.length - 1].reason}`);
    }
    const { c, marked } = await db.transaction(async (tx) => {
      const c = await upsertBatch(tx, connection.userId, batch);
      const marked = deletions.length ? await markDeleted(tx, connection.userId, pull.id, deletions) : 0;
      return { c, marked };
    });
    const delta = {
      fetched: page.records.length + (page.deletions?.length ?? 0),
      inserted: normalizedTotal(c, "inserted"),
      updated: normalizedTotal(c, "updated") + marked,
      unchanged: normalizedTotal(c, "unchanged"),
    };
    for (const k of ["fetched", "inserted", "updated", "unchanged"] as const) {
      p[k] += delta[k];
      counts[k] += delta[k];
    }
    await save(true);
  }

  async function fetchWindow(r: WindowResource, w: TimeWindow, phase: ResourceProgress["phase"]): Promise<void> {
    const p = progress.resources[r.resource];
    p.phase = phase;
    p.window = iso(w);
    await save(true);
    for await (const page of r.fetchWindow(ctx, w)) await processPage(r, page);
    widen(w);
  }

  const updateState = async (row: StateRow, patch: Partial<typeof syncState.$inferInsert>): Promise<StateRow> => {
    const [next] = await db
      .update(syncState)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(syncState.id, row.id))
      .returning();
    // The row cascades away when the user disconnects mid-run.
    if (!next) throw new Error("the connection was disconnected during the sync");
    return next;
  };

  const committed = async (r: ResourceFetcher) => {
    await save(true);
    await opts.onCommit?.({ resource: r.resource, phase: progress.resources[r.resource].phase });
  };

  async function loadState(r: ResourceFetcher): Promise<{ row: StateRow; isNew: boolean }> {
    const where = and(eq(syncState.connectionId, connection.id), eq(syncState.resource, r.resource), eq(syncState.userId, connection.userId));
    const [existing] = await db.select().from(syncState).where(where);
    const start = backfillStart(r, now, opts);
    if (existing) {
      // A larger history cap than before: keep going back from where the backfill stopped.
      if (existing.backfillFrom && start < existing.backfillFrom) {
        return { row: await updateState(existing, { backfillFrom: start, backfillDone: false }), isNew: false };
      }
      return { row: existing, isNew: false };
    }
    await db
      .insert(syncState)
      .values({
        userId: connection.userId,
        connectionId: connection.id,
        resource: r.resource,
        watermark: now,
        backfillFrom: start,
        backfillReachedAt: now,
        backfillDone: false,
        cursor: null,
      })
      .onConflictDoNothing();
    const [row] = await db.select().from(syncState).where(where);
    if (!row) throw new Error("the connection was disconnected during the sync");
    return { row, isNew: true };
  }

  const pctOf = (row: StateRow): number | null => {
    if (row.backfillDone) return 100;
    const top = row.watermark?.getTime() ?? now.getTime();
    const bottom = row.backfillFrom?.getTime();
    const reached = row.backfillReachedAt?.getTime() ?? top;
    if (bottom === undefined || top <= bottom) return null;
    return Math.round(((top - reached) / (top - bottom)) * 1000) / 10;
  };

  /** One resource's job: a delta now, then backfill steps when asked. */
  type Job = { r: ResourceFetcher; row: StateRow; step: () => Promise<boolean> };

  async function startFull(r: ResourceFetcher): Promise<Job> {
    const p = progress.resources[r.resource];
    let { row, isNew } = await loadState(r);
    // Nothing fetched yet (a run that stopped before this resource's first window): start afresh.
    const untouched =
      r.kind === "window"
        ? !row.backfillDone && row.backfillReachedAt?.getTime() === row.watermark?.getTime() && !walkOf(row)
        : !row.backfillDone && row.cursor === null;
    if (!isNew && untouched) {
      row = await updateState(row, r.kind === "window" ? { watermark: now, backfillReachedAt: now } : { watermark: now });
      isNew = true;
    }
    p.backfillPct = pctOf(row);

    if (!isNew) {
      const since = new Date((row.watermark ?? now).getTime() - r.overlapMs);
      if (r.kind === "feed" || r.fetchChanges) {
        p.phase = "delta";
        p.window = { from: since.toISOString(), to: now.toISOString() };
        await save(true);
        const pages = r.kind === "feed" ? r.fetchChanges(ctx, since) : r.fetchChanges!(ctx, since);
        for await (const page of pages) await processPage(r, page);
        widen({ from: since, to: now });
        row = await updateState(row, { watermark: now });
        await committed(r);
      } else {
        const dates = localDates(r, { from: since, to: now });
        for (const w of splitWindows(r, dates.from, dates.to)) {
          await fetchWindow(r, w, "delta");
          // The watermark is an instant of this run, never the end of a date still under way.
          const reached = w.to > now ? now : w.to;
          row = await updateState(row, { watermark: reached > (row.watermark ?? reached) ? reached : row.watermark });
          await committed(r);
        }
      }
    }

    let feed: AsyncIterator<FeedPage<string>> | null = null;
    // The window being walked, one page per step.
    let walk: { w: TimeWindow; pages: AsyncIterator<WalkPage<string>>; fetchedBefore: number } | null = null;
    const step = async (): Promise<boolean> => {
      if (row.backfillDone) return false;
      if (r.kind === "window") {
        const start = row.backfillFrom ?? backfillStart(r, now, opts);
        const seen = densityOf(row);
        if (!walk) {
          // An interrupted walk goes on after its last committed page; otherwise the next window.
          const saved = walkOf(row);
          const w = saved?.w ?? backfillWindow(r, row.backfillReachedAt ?? now, start, windowDaysFor(r, seen));
          p.phase = "backfill";
          p.window = iso(w);
          p.backfillPct = pctOf(row);
          await save(true);
          walk = { w, pages: r.fetchWindow(ctx, w, saved?.next)[Symbol.asyncIterator](), fetchedBefore: p.fetched };
        }
        const { w } = walk;
        // Pages up to the next point the walk can resume from (every page of a resumable walk; the
        // whole window where the fetcher has none), or to the window's end.
        for (;;) {
          const next = await walk.pages.next();
          if (next.done) {
            widen(w);
            const days = (w.to.getTime() - w.from.getTime()) / DAY_MS;
            const density = days > 0 ? (p.fetched - walk.fetchedBefore) / days : seen;
            walk = null;
            row = await updateState(row, {
              backfillReachedAt: w.from,
              backfillDone: w.from.getTime() <= start.getTime(),
              cursor: density !== undefined ? { density } : null,
            });
            break;
          }
          await processPage(r, next.value);
          if (next.value.next) {
            row = await updateState(row, {
              cursor: { ...(seen !== undefined ? { density: seen } : {}), walkFrom: w.from.toISOString(), walkTo: w.to.toISOString(), walkNext: JSON.stringify(next.value.next) },
            });
            break;
          }
        }
      } else {
        p.phase = "backfill";
        p.window = null;
        feed ??= (r as FeedResource).backfill(ctx, (row.cursor as FeedCursor | null) ?? null)[Symbol.asyncIterator]();
        const next = await feed.next();
        if (next.done) {
          row = await updateState(row, { backfillDone: true, cursor: null });
        } else {
          await processPage(r, next.value);
          row = await updateState(row, { cursor: next.value.next, backfillDone: next.value.next === null });
          if (next.value.fraction !== undefined) p.backfillPct = Math.round(next.value.fraction * 1000) / 10;
        }
      }
      p.backfillPct = r.kind === "window" || row.backfillDone ? pctOf(row) : p.backfillPct;
      await committed(r);
      return !row.backfillDone;
    };
    return { r, row, step };
  }

  async function runWindowMode(r: ResourceFetcher): Promise<void> {
    const from = run.windowFrom ?? new Date(now.getTime() - 7 * DAY_MS);
    const to = run.windowTo && run.windowTo < now ? run.windowTo : now;
    if (r.kind === "feed") {
      const p = progress.resources[r.resource];
      p.phase = "window";
      p.window = { from: from.toISOString(), to: to.toISOString() };
      for await (const page of r.fetchChanges(ctx, from)) await processPage(r, page);
      widen({ from, to });
    } else {
      // A notice's window is instants (clamped to now); a day-granular API needs the dates they fall on.
      const dates = localDates(r, { from, to });
      for (const w of splitWindows(r, dates.from, dates.to).reverse()) await fetchWindow(r, w, "window");
    }
    await committed(r);
  }

  const markDone = async (r: ResourceFetcher) => {
    const p = progress.resources[r.resource];
    p.phase = "done";
    p.window = null;
    await db
      .update(syncState)
      .set({ lastSuccessAt: new Date(), updatedAt: new Date() })
      .where(and(eq(syncState.connectionId, connection.id), eq(syncState.resource, r.resource)));
    await save(true);
  };

  /** A refusal for one resource (e.g. a scope the user unticked) must not stop the others. */
  const isolated = async (r: ResourceFetcher, fn: () => Promise<void>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (error) {
      if (!(error instanceof ProviderRequestError)) throw error;
      const message = safeReason(error.message);
      const p = progress.resources[r.resource];
      p.phase = "failed";
      p.error = message;
      failed.push({ resource: r.resource, error: message });
      await save(true);
      return false;
    }
  };

  if (mode === "window") {
    for (const r of selected) if (await isolated(r, () => runWindowMode(r))) await markDone(r);
  } else {
    let jobs: Job[] = [];
    for (const r of selected) {
      await isolated(r, async () => {
        jobs.push(await startFull(r));
      });
    }
    // Backfill in turns: one window of each resource, newest first, until all reach their start.
    const pendingDone = new Set(jobs.map((j) => j.r.resource));
    while (jobs.length) {
      const still: Job[] = [];
      for (const job of jobs) {
        let more = false;
        const ok = await isolated(job.r, async () => {
          more = await job.step();
        });
        if (!ok) pendingDone.delete(job.r.resource);
        else if (more) still.push(job);
      }
      jobs = still;
    }
    for (const r of selected) if (pendingDone.has(r.resource)) await markDone(r);
  }

  return { failed, span, requests: http.requests };
}
