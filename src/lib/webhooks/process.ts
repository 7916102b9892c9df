import { reconcileQuietly } from "@/lib/reconcile/store";
import { and, eq, lt, or, sql } from "drizzle-orm";
import { callCredentials } from "@/lib/connections/call-credentials";
import { ConnectionUnavailableError } from "@/lib/connections/errors";
import type { Db } from "@/lib/db";
import { providerConnections, webhookEvents, type ProviderConnection } from "@/lib/db/schema";
import { upsertBatch, type UpsertCounts } from "@/lib/normalize/upsert";
import { isProviderId, providers } from "@/lib/providers";
import { ProviderError, safeReason, TransientProviderError } from "@/lib/providers/shared/errors";
import { WebhookParseError, type WebhookAction, type WebhookSpec } from "@/lib/providers/types";
import { markDeleted } from "@/lib/sync/deletions";
import type { EnqueueInput } from "@/lib/sync/enqueue";

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
 */

export const STALE_PROCESSING_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 5;

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
  /** Sync runs queued for this notice. */
  runIds: string[];
};

class EventIgnored extends Error {}

async function claim(db: Db, eventId: string, now: Date) {
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS);
  const [row] = await db
    .update(webhookEvents)
    .set({ status: "processing", attempts: sql`${webhookEvents.attempts} + 1`, processedAt: now })
    .where(
      and(
        eq(webhookEvents.id, eventId),
        or(eq(webhookEvents.status, "pending"), and(eq(webhookEvents.status, "processing"), lt(webhookEvents.processedAt, staleBefore))),
      ),
    )
    .returning();
  return row;
}

const countsText = (c: UpsertCounts) =>
  Object.entries(c)
    .filter(([table, n]) => table !== "raw_record" && n.inserted + n.updated + n.unchanged > 0)
    .map(([table, n]) => `${table} +${n.inserted} ~${n.updated} =${n.unchanged}`)
    .join(", ") || "no rows";

async function upsertRecords(db: Db, spec: WebhookSpec, conn: ProviderConnection, resource: string, records: unknown[]): Promise<string> {
  if (!spec.normalize) throw new Error(`${conn.provider} has no normalizer for pushed records`);
  const { batch, skipped } = spec.normalize(resource, records);
  const counts = await upsertBatch(db, conn.userId, batch);
  const skippedText = skipped?.length ? `, ${skipped.length} skipped` : "";
  return `${resource}: ${records.length} records → ${countsText(counts)}${skippedText}`;
}

async function act(
  db: Db,
  spec: WebhookSpec,
  conn: ProviderConnection,
  action: WebhookAction,
  deps: Required<ProcessDeps>,
  runIds: string[],
): Promise<string> {
  if (action.kind !== "revoke" && conn.status === "revoked") throw new EventIgnored("the connection is revoked");
  const sync = async (resources: string[], from: Date, to: Date) => {
    const { runId } = await deps.enqueueSync(db, { connectionId: conn.id, trigger: "webhook", resources, from, to });
    runIds.push(runId);
    return `queued sync run ${runId} (${resources.join(", ")}, ${from.toISOString()} – ${to.toISOString()})`;
  };

  switch (action.kind) {
    case "sync":
      return sync(action.resources, new Date(action.from), new Date(action.to));
    case "lookup": {
      if (!spec.lookup) throw new Error(`${conn.provider} cannot look objects up`);
      const { ctx, tokens } = await callCredentials(db, conn);
      const window = await spec.lookup(ctx, tokens, action);
      if (!window) return `${action.objectType ?? "object"} ${action.objectId} is gone at the provider; nothing to sync`;
      return sync(action.resources, window.from, window.to);
    }
    case "delete": {
      const marked = await markDeleted(db, conn.userId, conn.provider, [{ table: action.table, externalId: action.externalId, deletedAt: deps.now() }]);
      return `${action.table} ${action.externalId}: ${marked ? "marked deleted" : "not stored or already deleted"}`;
    }
    case "revoke": {
      await db
        .update(providerConnections)
        .set({ status: "revoked", lastError: action.reason, updatedAt: deps.now() })
        .where(eq(providerConnections.id, conn.id));
      return `connection revoked: ${action.reason}`;
    }
    case "records":
      return upsertRecords(db, spec, conn, action.resource, action.records);
    case "pull": {
      if (!spec.pull) throw new Error(`${conn.provider} cannot follow pings`);
      const { ctx, tokens } = await callCredentials(db, conn);
      return upsertRecords(db, spec, conn, action.resource, await spec.pull(ctx, tokens, action));
    }
    case "permissions": {
      await db
        .update(providerConnections)
        .set({ scopes: action.permissions, updatedAt: deps.now() })
        .where(eq(providerConnections.id, conn.id));
      return `permissions now ${action.permissions.join(", ") || "(none)"}`;
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

/** Claims and processes one stored notice. Safe to call for any id, any number of times. */
export async function processWebhookEvent(db: Db, eventId: string, deps: ProcessDeps = {}): Promise<ProcessOutcome> {
  const full: Required<ProcessDeps> = {
    now: deps.now ?? (() => new Date()),
    enqueueSync: deps.enqueueSync ?? (async (d, input) => (await import("@/lib/sync/enqueue")).enqueueSync(d, input)),
  };
  const runIds: string[] = [];
  const row = await claim(db, eventId, full.now());
  if (!row) return { eventId, status: "skipped", detail: "not pending", runIds };

  const finish = async (status: "processed" | "ignored" | "failed" | "pending", detail: string): Promise<ProcessOutcome> => {
    await db
      .update(webhookEvents)
      .set({ status, reason: detail.slice(0, 1000), processedAt: status === "pending" ? row.processedAt : full.now() })
      .where(and(eq(webhookEvents.id, row.id), eq(webhookEvents.attempts, row.attempts)));
    if (status === "processed" && row.userId) await reconcileQuietly(db, row.userId);
    return { eventId, status, detail, runIds };
  };

  try {
    const spec = isProviderId(row.provider) ? providers[row.provider].webhook : undefined;
    if (!spec) throw new EventIgnored(`no webhook support for ${row.provider}`);
    const notices = spec.parse({ rawBody: Buffer.from(row.body, "utf8"), headers: new Headers(row.headers as Record<string, string>) });
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
    const [conn] = await db.select().from(providerConnections).where(eq(providerConnections.id, row.connectionId));
    if (!conn) throw new EventIgnored("the connection no longer exists");
    return finish("processed", await act(db, spec, conn, notice.action, full, runIds));
  } catch (error) {
    if (error instanceof EventIgnored) return finish("ignored", error.message);
    const detail = describe(error);
    // Retrying cannot help: a dead grant (the user must reconnect), a refusal, a body we cannot read.
    const permanent =
      error instanceof ConnectionUnavailableError ||
      error instanceof WebhookParseError ||
      (error instanceof ProviderError && !(error instanceof TransientProviderError)) ||
      (error instanceof Error && error.name === "SyncRequestError");
    if (!permanent && !(error instanceof TransientProviderError)) {
      console.error(`[webhooks] ${row.provider}: processing event ${row.id} failed:`, error instanceof Error ? error.message : error);
    }
    return finish(permanent || row.attempts >= MAX_ATTEMPTS ? "failed" : "pending", detail);
  }
}
