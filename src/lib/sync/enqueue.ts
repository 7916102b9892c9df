import { eq } from "drizzle-orm";
import { pullProvider } from "@/lib/providers";
import type { Db } from "@/lib/db";
import { providerConnections } from "@/lib/db/schema";
import { env } from "@/lib/env";
import type { syncConnectionTask } from "../../../trigger/sync";
import type { SyncConnectionPayload } from "./payload";
import { createRun, type SyncTrigger } from "./runs";
import { processRunner } from "./runner";

/**
 * Asks for a sync of one connection. The run is queued in `sync_run` first (so the settings page
 * shows it at once); then Trigger.dev executes it when TRIGGER_SECRET_KEY is set (task
 * `sync-connection`, one at a time per connection through its concurrency key), otherwise the
 * in-process runner does.
 */

export type EnqueueInput = {
  connectionId: string;
  trigger: SyncTrigger;
  /** Only these resources (fetcher resource names); default all. */
  resources?: string[];
  /** Only this window (webhook notices); default: deltas + unfinished backfill. */
  from?: Date;
  to?: Date;
};

export class SyncRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SyncRequestError";
  }
}

export async function enqueueSync(db: Db, input: EnqueueInput): Promise<{ runId: string; via: "trigger.dev" | "in-process" }> {
  const [connection] = await db.select().from(providerConnections).where(eq(providerConnections.id, input.connectionId));
  if (!connection) throw new SyncRequestError("connection not found");
  const fetcher = pullProvider(connection.provider)?.fetcher;
  if (!fetcher) throw new SyncRequestError(`${connection.provider} has no data to pull (its data arrives by push)`);
  const known = new Set(fetcher.resources.map((r) => r.resource));
  const unknown = (input.resources ?? []).filter((r) => !known.has(r));
  if (unknown.length) throw new SyncRequestError(`unknown ${connection.provider} resource(s): ${unknown.join(", ")}`);
  if (input.from && input.to && input.from >= input.to) throw new SyncRequestError("from must be before to");

  const run = await createRun(db, input);

  if (env().TRIGGER_SECRET_KEY) {
    const { tasks } = await import("@trigger.dev/sdk");
    const payload: SyncConnectionPayload = {
      connectionId: connection.id,
      resources: input.resources,
      from: input.from?.toISOString(),
      to: input.to?.toISOString(),
      runId: run.id,
      trigger: input.trigger,
    };
    await tasks.trigger<typeof syncConnectionTask>("sync-connection", payload, {
      concurrencyKey: connection.id,
      idempotencyKey: run.id,
    });
    return { runId: run.id, via: "trigger.dev" };
  }
  processRunner()?.wake();
  return { runId: run.id, via: "in-process" };
}
