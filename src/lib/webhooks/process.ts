import { reconcileQuietly } from "@/lib/reconcile/store";
import { and, eq, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import { callCredentials } from "@/lib/connections/call-credentials";
import { ConnectionUnavailableError } from "@/lib/connections/errors";
import type { Db } from "@/lib/db";
import { providerConnections, webhookEvents, type ProviderConnection } from "@/lib/db/schema";
import { upsertBatch, type UpsertCounts } from "@/lib/normalize/upsert";
import { isProviderId, providers } from "@/lib/providers";
import { InvalidGrantError, ProviderError, safeReason, TransientProviderError } from "@/lib/providers/shared/errors";
import { WebhookParseError, type WebhookAction, type WebhookNotice, type WebhookSpec } from "@/lib/providers/types";
import { Plausibility } from "@/lib/ingest/plausibility";
import { markDeleted } from "@/lib/sync/deletions";
import type { EnqueueInput } from "@/lib/sync/enqueue";
import { takeBudget, type BudgetWindow } from "@/lib/sync/rate-budget";
import { widenQueuedWindowRun } from "@/lib/sync/runs";

/**
 * Processing one stored notice (`webhook_event`), after it was acknowledged. The same function runs
 * in the Trigger.dev task `process-webhook-event` and in the in-process runner.
 *
 * A row is claimed by a conditional UPDATE (pending → processing; `processed_at` holds when this
 * attempt started until the row is done), so two workers never act on one notice, and a row left
 * `processing` by a process that died is claimable again after STALE_PROCESSING_MS. The stored body
 * is parsed again with the provider's own parser, then its action runs: a narrow sync
 * (`enqueueSync(…, trigger: "webhook")`), a lookup then a narrow sync, a deletion mark, a revoked
 * connection, or (Garmin) records normalized and upserted directly. Every action is idempotent,
 * so a replay or a retry changes nothing.
 *
 * Unsigned notices are hints (DESIGN.md, trust of inbound data): a deletion, a revocation and a
 * permission change marked `confirm` are acted on only when the provider confirms them with the
 * connection's own credentials. Every call a notice makes (lookups, confirmations, pings) takes a
 * slot of a per-connection and per-provider hourly budget (CONFIRM_BUDGET); past it the notice is
 * ignored and the next scheduled sync covers it.
 *
 * Coalescing: processing one notice claims every other fresh pending notice of the same connection
 * with it. Identical actions run once, lookups of one object are made once, and the narrow syncs
 * are merged into as few runs as their windows allow (also into a webhook run still queued), so
 * 100 notices about one activity make one call and one run.
 */

export const STALE_PROCESSING_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 5;
/** At most this many notices are processed together for one connection. */
export const COALESCE_MAX_EVENTS = 500;
/** Narrow syncs of one connection are merged while the merged window stays this narrow. */
export const MERGE_MAX_SPAN_MS = 7 * 86_400_000;
/** …and while the gap between two windows is at most this. */
const MERGE_MAX_GAP_MS = 86_400_000;
/** Provider calls made because of notices: per connection and per provider (all connections), per hour. */
export const CONFIRM_BUDGET: BudgetWindow[] = [
  { name: "hour", ms: 3_600_000, limit: 60, scope: "connection" },
  { name: "hour-all", ms: 3_600_000, limit: 2_000, scope: "app" },
];
export const confirmBudgetKey = (provider: string) => `webhook-calls:${provider}`;

export type ProcessDeps = {
  /** Default: the sync engine's enqueueSync. */
  enqueueSync?: (db: Db, input: EnqueueInput) => Promise<{ runId: string }>;
  now?: () => Date;
};

export type ProcessOutcome = {
  eventId: string;
  /** "skipped": not claimable (done, being processed, or unknown). "pending": failed, will be retried. */
  status: "processed" | "ignored" | "failed" | "pending" | "skipped";
  detail: string;
  /** Sync runs queued (or widened) for this notice. */
  runIds: string[];
  /** Other notices of the connection processed together with this one. */
  coalesced?: number;
};

class EventIgnored extends Error {}

const CLAIMABLE = (staleBefore: Date) =>
  or(eq(webhookEvents.status, "pending"), and(eq(webhookEvents.status, "processing"), lt(webhookEvents.processedAt, staleBefore)));

async function claim(db: Db, eventId: string, now: Date) {
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS);
  const [row] = await db
    .update(webhookEvents)
    .set({ status: "processing", attempts: sql`${webhookEvents.attempts} + 1`, processedAt: now })
    .where(and(eq(webhookEvents.id, eventId), CLAIMABLE(staleBefore)))
    .returning();
  return row;
}

/** The connection's other fresh pending notices (not ones waiting for a retry), claimed with the first. */
async function claimSiblings(db: Db, first: WebhookEventRow, now: Date): Promise<WebhookEventRow[]> {
  if (!first.connectionId) return [];
  const ids = db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.connectionId, first.connectionId),
        eq(webhookEvents.provider, first.provider),
        eq(webhookEvents.status, "pending"),
        isNull(webhookEvents.processedAt),
        ne(webhookEvents.id, first.id),
      ),
    )
    .orderBy(webhookEvents.receivedAt)
    .limit(COALESCE_MAX_EVENTS - 1);
  return db
    .update(webhookEvents)
    .set({ status: "processing", attempts: sql`${webhookEvents.attempts} + 1`, processedAt: now })
    // Re-checked here: another worker may have claimed some of them since the select.
    .where(and(inArray(webhookEvents.id, ids), eq(webhookEvents.status, "pending")))
    .returning();
}

type WebhookEventRow = typeof webhookEvents.$inferSelect;

const countsText = (c: UpsertCounts) =>
  Object.entries(c)
    .filter(([table, n]) => table !== "raw_record" && n.inserted + n.updated + n.unchanged > 0)
    .map(([table, n]) => `${table} +${n.inserted} ~${n.updated} =${n.unchanged}`)
    .join(", ") || "no rows";

async function upsertRecords(db: Db, spec: WebhookSpec, conn: ProviderConnection, resource: string, records: unknown[], now: Date): Promise<string> {
  if (!spec.normalize) throw new Error(`${conn.provider} has no normalizer for pushed records`);
  const { batch, skipped } = spec.normalize(resource, records);
  const { batch: plausible, refused } = new Plausibility(now).screen(batch);
  const counts = await upsertBatch(db, conn.userId, plausible);
  const skippedText = skipped?.length ? `, ${skipped.length} skipped` : "";
  const refusedText = refused.length ? `, ${refused.length} refused as implausible (${safeReason(refused[refused.length - 1].reason)})` : "";
  return `${resource}: ${records.length} records → ${countsText(counts)}${skippedText}${refusedText}`;
}

type Deps = Required<ProcessDeps>;

/** One slot of the budget for provider calls caused by notices, or the notice is ignored. */
async function spendCall(db: Db, conn: ProviderConnection, deps: Deps): Promise<void> {
  const decision = await takeBudget(db, confirmBudgetKey(conn.provider), conn.id, CONFIRM_BUDGET, deps.now());
  if (!decision.ok) {
    throw new EventIgnored("too many provider calls for notices of this connection this hour; the next scheduled sync covers it");
  }
}

/** Whether the provider refuses the connection's token now (the confirmation of an unsigned revocation). */
async function tokenRefused(db: Db, spec: WebhookSpec, conn: ProviderConnection, deps: Deps): Promise<boolean> {
  if (!spec.confirmRevoked) throw new Error(`${conn.provider} cannot confirm a revocation`);
  await spendCall(db, conn, deps);
  try {
    const { ctx, tokens } = await callCredentials(db, conn);
    return await spec.confirmRevoked(ctx, tokens);
  } catch (error) {
    // The refresh itself was refused, or the grant is already known dead: the provider confirms it.
    if (error instanceof InvalidGrantError || error instanceof ConnectionUnavailableError) return true;
    throw error;
  }
}

type SyncRequest = { resources: string[]; from: Date; to: Date };

/**
 * Runs one action (not "sync" and not "lookup": those become SyncRequests). Returns the row's
 * detail, or a SyncRequest for the caller to merge.
 */
async function act(db: Db, spec: WebhookSpec, conn: ProviderConnection, action: WebhookAction, deps: Deps): Promise<string | SyncRequest> {
  if (action.kind !== "revoke" && conn.status === "revoked") throw new EventIgnored("the connection is revoked");
  switch (action.kind) {
    case "sync":
      return { resources: action.resources, from: new Date(action.from), to: new Date(action.to) };
    case "lookup": {
      if (!spec.lookup) throw new Error(`${conn.provider} cannot look objects up`);
      await spendCall(db, conn, deps);
      const { ctx, tokens } = await callCredentials(db, conn);
      const window = await spec.lookup(ctx, tokens, action);
      if (!window) return `${action.objectType ?? "object"} ${action.objectId} is gone at the provider; nothing to sync`;
      return { resources: action.resources, ...window };
    }
    case "delete": {
      if (action.confirm) {
        if (!spec.confirmGone) throw new Error(`${conn.provider} cannot confirm a deletion`);
        await spendCall(db, conn, deps);
        const { ctx, tokens } = await callCredentials(db, conn);
        if (!(await spec.confirmGone(ctx, tokens, action))) {
          throw new EventIgnored(`not confirmed: ${action.table} ${action.externalId} still exists at ${conn.provider}`);
        }
      }
      const marked = await markDeleted(db, conn.userId, conn.provider, [{ table: action.table, externalId: action.externalId, deletedAt: deps.now() }]);
      return `${action.table} ${action.externalId}: ${marked ? "marked deleted" : "not stored or already deleted"}`;
    }
    case "revoke": {
      if (conn.status === "revoked") return "the connection is already revoked";
      if (action.confirm && !(await tokenRefused(db, spec, conn, deps))) {
        throw new EventIgnored(`not confirmed: ${conn.provider} still accepts the connection's token`);
      }
      await db
        .update(providerConnections)
        .set({ status: "revoked", lastError: action.reason, updatedAt: deps.now() })
        .where(eq(providerConnections.id, conn.id));
      return `connection revoked: ${action.reason}`;
    }
    case "records":
      return upsertRecords(db, spec, conn, action.resource, action.records, deps.now());
    case "pull": {
      if (!spec.pull) throw new Error(`${conn.provider} cannot follow pings`);
      await spendCall(db, conn, deps);
      const { ctx, tokens } = await callCredentials(db, conn);
      return upsertRecords(db, spec, conn, action.resource, await spec.pull(ctx, tokens, action), deps.now());
    }
    case "permissions": {
      let permissions = action.permissions;
      if (spec.fetchPermissions) {
        // The notice's list is not evidence: store what the provider answers.
        await spendCall(db, conn, deps);
        const { ctx, tokens } = await callCredentials(db, conn);
        permissions = await spec.fetchPermissions(ctx, tokens);
      }
      await db
        .update(providerConnections)
        .set({ scopes: permissions, updatedAt: deps.now() })
        .where(eq(providerConnections.id, conn.id));
      return `permissions now ${permissions.join(", ") || "(none)"}${spec.fetchPermissions ? " (as the provider answers)" : ""}`;
    }
    case "none":
      return action.reason;
  }
}

/** Plain words for the row's `reason`; provider text only through safeReason. */
function describe(error: unknown): string {
  if (error instanceof ProviderError || error instanceof ConnectionUnavailableError) return safeReason(error.message);
  if (error instanceof WebhookParseError || (error instanceof Error && error.name === "SyncRequestError")) return safeReason(error.message);
  return "processing failed on an unexpected error";
}

type Verdict = { status: "processed" | "ignored" | "failed" | "pending"; detail: string };

function verdictOf(error: unknown, row: WebhookEventRow, provider: string): Verdict {
  if (error instanceof EventIgnored) return { status: "ignored", detail: error.message };
  const detail = describe(error);
  // Retrying cannot help: a dead grant (the user must reconnect), a refusal, a body we cannot read.
  const permanent =
    error instanceof ConnectionUnavailableError ||
    error instanceof WebhookParseError ||
    (error instanceof ProviderError && !(error instanceof TransientProviderError)) ||
    (error instanceof Error && error.name === "SyncRequestError");
  if (!permanent && !(error instanceof TransientProviderError)) {
    console.error(`[webhooks] ${provider}: processing event ${row.id} failed:`, error instanceof Error ? error.message : error);
  }
  return { status: permanent || row.attempts >= MAX_ATTEMPTS ? "failed" : "pending", detail };
}

/** The key under which identical actions run once; a lookup is keyed by its object, not by the notice. */
const actionKey = (a: WebhookAction) => JSON.stringify(a);

/** Merges windows per resource set: overlapping or close windows become one, while it stays narrow. */
export function mergeSyncRequests<T>(requests: Array<SyncRequest & { owners: T[] }>): Array<SyncRequest & { owners: T[] }> {
  const groups = new Map<string, Array<SyncRequest & { owners: T[] }>>();
  for (const r of requests) {
    const resources = [...new Set(r.resources)];
    const key = [...resources].sort().join(",");
    groups.set(key, [...(groups.get(key) ?? []), { ...r, resources }]);
  }
  const out: Array<SyncRequest & { owners: T[] }> = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.from.getTime() - b.from.getTime());
    let cur: (SyncRequest & { owners: T[] }) | undefined;
    for (const r of list) {
      const prev = cur;
      if (prev) {
        const to = Math.max(prev.to.getTime(), r.to.getTime());
        if (r.from.getTime() - prev.to.getTime() <= MERGE_MAX_GAP_MS && to - prev.from.getTime() <= MERGE_MAX_SPAN_MS) {
          cur = { ...prev, to: new Date(to), owners: [...prev.owners, ...r.owners] };
          continue;
        }
        out.push(prev);
      }
      cur = { ...r, owners: [...r.owners] };
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** Claims and processes one stored notice, with the connection's other fresh ones. Safe to call for any id, any number of times. */
export async function processWebhookEvent(db: Db, eventId: string, deps: ProcessDeps = {}): Promise<ProcessOutcome> {
  const full: Deps = {
    now: deps.now ?? (() => new Date()),
    enqueueSync: deps.enqueueSync ?? (async (d, input) => (await import("@/lib/sync/enqueue")).enqueueSync(d, input)),
  };
  const first = await claim(db, eventId, full.now());
  if (!first) return { eventId, status: "skipped", detail: "not pending", runIds: [] };
  const rows = [first, ...(await claimSiblings(db, first, full.now()))];

  const verdicts = new Map<string, Verdict>();
  const runIdsOf = new Map<string, string[]>();
  const finish = async (row: WebhookEventRow, v: Verdict) => {
    verdicts.set(row.id, v);
    await db
      .update(webhookEvents)
      .set({ status: v.status, reason: v.detail.slice(0, 1000), processedAt: v.status === "pending" ? row.processedAt : full.now() })
      .where(and(eq(webhookEvents.id, row.id), eq(webhookEvents.attempts, row.attempts)));
  };
  const finishAll = (list: WebhookEventRow[], v: Verdict) => Promise.all(list.map((r) => finish(r, v)));

  const spec = isProviderId(first.provider) ? providers[first.provider].webhook : undefined;
  const [conn] = first.connectionId ? await db.select().from(providerConnections).where(eq(providerConnections.id, first.connectionId)) : [];

  // Parse each row; group the rows by what they ask for.
  const byAction = new Map<string, { action: WebhookAction; rows: WebhookEventRow[] }>();
  for (const row of rows) {
    try {
      if (!spec) throw new EventIgnored(`no webhook support for ${row.provider}`);
      const notices: WebhookNotice[] = spec.parse({ rawBody: Buffer.from(row.body, "utf8"), headers: new Headers(row.headers as Record<string, string>) });
      if (notices.length !== 1) throw new EventIgnored(`the stored body holds ${notices.length} notices, expected 1`);
      const [notice] = notices;
      if (notice.replay === "state" && !row.dedupeKey.includes("@")) {
        // From now on an identical notice may carry news this run has not seen: free the key for it.
        await db
          .update(webhookEvents)
          .set({ dedupeKey: `${row.dedupeKey}@${row.id}` })
          .where(eq(webhookEvents.id, row.id));
      }
      if (!row.connectionId) throw new EventIgnored("the notice is not bound to a connection");
      if (!conn) throw new EventIgnored("the connection no longer exists");
      const key = actionKey(notice.action);
      const group = byAction.get(key) ?? { action: notice.action, rows: [] };
      group.rows.push(row);
      byAction.set(key, group);
    } catch (error) {
      await finish(row, verdictOf(error, row, row.provider));
    }
  }

  // Each distinct action once; syncs are collected and merged.
  const syncs: Array<SyncRequest & { owners: WebhookEventRow[] }> = [];
  for (const { action, rows: group } of byAction.values()) {
    try {
      const result = await act(db, spec!, conn, action, full);
      if (typeof result === "string") await finishAll(group, { status: "processed", detail: result });
      else syncs.push({ ...result, owners: group });
    } catch (error) {
      await Promise.all(group.map((r) => finish(r, verdictOf(error, r, r.provider))));
    }
  }
  for (const s of mergeSyncRequests(syncs)) {
    try {
      const widened = await widenQueuedWindowRun(db, { connectionId: conn.id, resources: s.resources, from: s.from, to: s.to, maxSpanMs: MERGE_MAX_SPAN_MS });
      const runId = widened?.id ?? (await full.enqueueSync(db, { connectionId: conn.id, trigger: "webhook", resources: s.resources, from: s.from, to: s.to })).runId;
      for (const r of s.owners) runIdsOf.set(r.id, [runId]);
      const window = widened ? `${widened.windowFrom!.toISOString()} – ${widened.windowTo!.toISOString()}` : `${s.from.toISOString()} – ${s.to.toISOString()}`;
      const together = s.owners.length > 1 ? `; ${s.owners.length} notices together` : "";
      await finishAll(s.owners, { status: "processed", detail: `${widened ? "widened queued" : "queued"} sync run ${runId} (${s.resources.join(", ")}, ${window})${together}` });
    } catch (error) {
      await Promise.all(s.owners.map((r) => finish(r, verdictOf(error, r, r.provider))));
    }
  }

  // Pushed records and deletions are in the reconciled record before the notice reports done.
  if (first.userId && [...verdicts.values()].some((x) => x.status === "processed")) await reconcileQuietly(db, first.userId);
  const v = verdicts.get(first.id) ?? { status: "failed" as const, detail: "not processed" };
  return { eventId, status: v.status, detail: v.detail, runIds: runIdsOf.get(first.id) ?? [], coalesced: rows.length - 1 };
}
