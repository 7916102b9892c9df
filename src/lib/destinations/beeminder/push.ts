import { and, eq, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { beeminderConnections, beeminderDatapoints, beeminderGoalLinks, users } from "@/lib/db/schema";
import { errorSummary } from "@/lib/db/schema-state";
import { exponentialBackoff, nextAttemptAt } from "@/lib/jobs/backoff";
import { localDateAt, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { BeeminderAuthError, BeeminderRequestError, createAll, getGoals, getMe, type RetryOptions } from "./api";
import { connectionToken, markBeeminderRevoked } from "./connection";
import { goalRule, wantedPoints, type WantedPoint } from "./rules";

/**
 * Sending: for each goal link, what its rule wants Beeminder to hold, minus what Beeminder already
 * accepted with the same requestid, value, day and comment. Beeminder's requestid is an upsert key
 * (beeminder.md B.4), so a resend (forced, or after a crash before we recorded it) never duplicates.
 */

/** How far back a regular pass looks (missed notices, late syncs); "send the last N days" goes further. */
export const DEFAULT_LOOKBACK_DAYS = 7;
const BATCH = 100;
const DAY_MS = 86_400_000;

/**
 * After a pass that Beeminder answered 5xx/429 (past api.ts's own quick retries) or that could not
 * reach it, the next regular pass waits 1, 2, 4, … minutes, at most an hour (the catch-up's cadence).
 */
export const beeminderBackoffMs = exponentialBackoff(60_000, 3_600_000);

export type PushOptions = { now?: Date; lookbackDays?: number; force?: boolean; retry?: RetryOptions; slug?: string };
export type LinkOutcome = { slug: string; sent: number; unchanged: number; error: string | null };
/** `waiting`: a regular pass asked for before the backoff's next try (`retryAt`); nothing was sent. */
export type PushResult = { status: "pushed" | "not_connected" | "revoked" | "waiting"; links: LinkOutcome[]; retryAt?: Date };

/** Worth a retry soon: Beeminder down or overloaded, or not reached at all. Other refusals wait for new data or the hour. */
const transient = (error: unknown) => !(error instanceof BeeminderRequestError) || error.status === null || error.status === 429 || error.status >= 500;
const failureText = (error: unknown) => (error instanceof BeeminderRequestError ? error.message : `Could not reach Beeminder: ${errorSummary(error)}`);

export async function pushBeeminder(db: Db, userId: string, opts: PushOptions = {}): Promise<PushResult> {
  const now = opts.now ?? new Date();
  const [conn] = await db.select().from(beeminderConnections).where(eq(beeminderConnections.userId, userId));
  if (!conn) return { status: "not_connected", links: [] };
  if (conn.status !== "active") return { status: "revoked", links: [] };
  // A "Send now" of one goal is the user's explicit ask: only regular passes wait out the backoff.
  const fullPass = !opts.slug;
  if (fullPass && conn.retryAt && conn.retryAt > now) return { status: "waiting", links: [], retryAt: conn.retryAt };
  // The database's clock, like the updated_at it is compared with (an injected `now` only moves the data window).
  // Only a pass over every goal: a "Send now" of one goal must leave what landed for the others due.
  if (fullPass) await db.update(beeminderConnections).set({ lastPushedAt: sql`now()` }).where(eq(beeminderConnections.id, conn.id));
  /** The pass's first transient failure (it schedules the retry), or null once it got through. */
  let outage: string | null = null;
  const settle = async () => {
    if (!fullPass) return;
    const failures = outage ? conn.failures + 1 : 0;
    await db
      .update(beeminderConnections)
      .set(outage ? { lastError: outage, failures, retryAt: nextAttemptAt(now, beeminderBackoffMs, failures) } : { lastError: null, failures: 0, retryAt: null })
      .where(and(eq(beeminderConnections.id, conn.id), eq(beeminderConnections.status, "active")));
  };
  const token = connectionToken(conn);
  const links = (await db.select().from(beeminderGoalLinks).where(eq(beeminderGoalLinks.userId, userId)).orderBy(beeminderGoalLinks.slug)).filter((l) => !opts.slug || l.slug === opts.slug);
  if (!links.length) {
    await settle();
    return { status: "pushed", links: [] };
  }

  let timeZone: string;
  let deadlines: Map<string, { deadline: number; title: string | null }>;
  try {
    timeZone = (await getMe(token, opts.retry)).timezone;
    deadlines = new Map((await getGoals(token, opts.retry)).map((g) => [g.slug, { deadline: g.deadline, title: g.title ?? null }]));
  } catch (error) {
    if (error instanceof BeeminderAuthError) {
      await markBeeminderRevoked(db, conn.id, error.message, now);
      return { status: "revoked", links: [] };
    }
    const message = failureText(error);
    for (const l of links) await db.update(beeminderGoalLinks).set({ lastError: message, updatedAt: now }).where(eq(beeminderGoalLinks.id, l.id));
    if (transient(error)) outage = message;
    await settle();
    return { status: "pushed", links: links.map((l) => ({ slug: l.slug, sent: 0, unchanged: 0, error: message })) };
  }
  if (timeZone !== conn.timezone) await db.update(beeminderConnections).set({ timezone: timeZone }).where(eq(beeminderConnections.id, conn.id));
  const [{ homeZone }] = await db.select({ homeZone: users.timeZone }).from(users).where(eq(users.id, userId));

  const outcomes: LinkOutcome[] = [];
  for (const link of links) {
    const goal = deadlines.get(link.slug);
    const setLink = (values: Partial<typeof beeminderGoalLinks.$inferInsert>) =>
      db.update(beeminderGoalLinks).set({ ...values, updatedAt: now }).where(eq(beeminderGoalLinks.id, link.id));
    if (!goal) {
      const error = `The goal "${link.slug}" is no longer on Beeminder (deleted, renamed or archived). Link another goal.`;
      await setLink({ lastError: error });
      outcomes.push({ slug: link.slug, sent: 0, unchanged: 0, error });
      continue;
    }
    const rule = goalRule.safeParse(link.rule);
    if (!rule.success) {
      const error = "This link's rule is not valid any more; edit it.";
      await setLink({ lastError: error });
      outcomes.push({ slug: link.slug, sent: 0, unchanged: 0, error });
      continue;
    }
    const lookback = new Date(now.getTime() - (opts.lookbackDays ?? DEFAULT_LOOKBACK_DAYS) * DAY_MS);
    const from = link.sendFrom > lookback ? link.sendFrom : lookback;
    const sent = await db.select().from(beeminderDatapoints).where(and(eq(beeminderDatapoints.userId, userId), eq(beeminderDatapoints.linkId, link.id)));
    const wanted = await wantedPoints(db, {
      userId,
      rule: rule.data,
      timeZone,
      deadline: goal.deadline,
      from,
      fromDate: localDateAt(from, zoneOffsetMinutes(homeZone, from)),
      sentAnchors: sent.flatMap((s) => (s.anchorAt ? [{ requestid: s.requestid, anchorAt: s.anchorAt }] : [])),
    });
    const known = new Map(sent.map((s) => [s.requestid, s]));
    const same = (p: WantedPoint) => {
      const k = known.get(p.requestid);
      return k && k.value === p.value && k.daystamp === p.daystamp && k.comment === p.comment;
    };
    const toSend = opts.force ? wanted : wanted.filter((p) => !same(p));
    let saved = 0;
    const errors: string[] = [];
    try {
      for (let i = 0; i < toSend.length; i += BATCH) {
        const batch = toSend.slice(i, i + BATCH);
        const res = await createAll(
          token,
          link.slug,
          batch.map(({ value, daystamp, comment, requestid }) => ({ value, daystamp, comment, requestid })),
          opts.retry,
        );
        errors.push(...res.errors);
        const byId = new Map(batch.map((p) => [p.requestid, p]));
        for (const s of res.saved) {
          const p = byId.get(s.requestid);
          if (!p) continue;
          const row = { daystamp: p.daystamp, value: p.value, comment: p.comment, anchorAt: p.anchorAt, beeminderId: s.id, sentAt: now };
          await db
            .insert(beeminderDatapoints)
            .values({ userId, linkId: link.id, requestid: p.requestid, ...row })
            .onConflictDoUpdate({ target: [beeminderDatapoints.userId, beeminderDatapoints.linkId, beeminderDatapoints.requestid], set: row });
          saved++;
        }
      }
    } catch (error) {
      if (error instanceof BeeminderAuthError) {
        await markBeeminderRevoked(db, conn.id, error.message, now);
        outcomes.push({ slug: link.slug, sent: saved, unchanged: wanted.length - toSend.length, error: error.message });
        return { status: "revoked", links: outcomes };
      }
      errors.push(failureText(error));
      if (transient(error)) outage ??= failureText(error);
    }
    const error = errors.length ? `${errors.length} datapoint(s) not accepted: ${errors.slice(0, 3).join("; ")}` : null;
    await setLink({ lastError: error, deadline: goal.deadline, title: goal.title, ...(saved ? { lastSentAt: now } : {}) });
    outcomes.push({ slug: link.slug, sent: saved, unchanged: wanted.length - toSend.length, error });
  }
  await settle();
  return { status: "pushed", links: outcomes };
}

/**
 * Active connections with links whose data changed since their last pass (database clock), not
 * pushed for an hour, or whose failed pass is due for its retry (`now`). While a retry is pending,
 * nothing else makes a connection due: new data waits for the retry, which sends it too.
 */
export async function pushDueBeeminder(db: Db, opts: { now?: Date; limit?: number; retry?: RetryOptions } = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const changedSince = (table: string) =>
    sql`EXISTS (SELECT 1 FROM ${sql.raw(table)} t WHERE t.user_id = ${beeminderConnections.userId} AND t.updated_at > ${beeminderConnections.lastPushedAt})`;
  const due = await db
    .select({ userId: beeminderConnections.userId })
    .from(beeminderConnections)
    .where(
      and(
        eq(beeminderConnections.status, "active"),
        sql`EXISTS (SELECT 1 FROM beeminder_goal_link l WHERE l.user_id = ${beeminderConnections.userId})`,
        or(isNull(beeminderConnections.retryAt), lte(beeminderConnections.retryAt, now)),
        or(
          isNotNull(beeminderConnections.retryAt),
          isNull(beeminderConnections.lastPushedAt),
          lt(beeminderConnections.lastPushedAt, sql`now() - interval '1 hour'`),
          changedSince("daily_value"),
          changedSince("measurement"),
          changedSince("reconciled_activity"),
          changedSince("reconciled_sleep"),
          sql`EXISTS (SELECT 1 FROM beeminder_goal_link l WHERE l.user_id = ${beeminderConnections.userId} AND l.updated_at > ${beeminderConnections.lastPushedAt} AND l.last_sent_at IS NULL AND l.last_error IS NULL)`,
        ),
      ),
    )
    .limit(opts.limit ?? 20);
  for (const { userId } of due) {
    await pushBeeminder(db, userId, { now, retry: opts.retry }).catch((error: unknown) => console.error("[beeminder]", errorSummary(error)));
  }
  return due.length;
}
