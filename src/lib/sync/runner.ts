import { errorSummary } from "@/lib/db/schema-state";
import { reconcileAllPending } from "@/lib/reconcile/store";
import { pushBeeminderAfterLanding } from "@/lib/destinations/beeminder/run";
import { exportFhirAfterLanding } from "@/lib/destinations/fhir/run";
import type { Db } from "@/lib/db";
import { processSingleton, startPoller } from "@/lib/jobs/poller";
import { executeRun, type ExecuteOptions, type RunOutcome } from "./execute";
import { claimableRuns, STALE_AFTER_MS } from "./runs";
import { queueSyncAll } from "./schedule";
import { env } from "@/lib/env";

/**
 * The in-process runner, used when TRIGGER_SECRET_KEY is unset: queued runs live in `sync_run`, a
 * poller claims and executes the due ones (a few at a time, one per connection), runs whose
 * heartbeat went stale (their process died) are picked up again, and a timer queues `sync-all`
 * every hour. Several processes may run it against one database: claims are atomic.
 */

export type RunnerOptions = ExecuteOptions & {
  pollMs?: number;
  /** Runs executed at once by this process. Default 2. */
  concurrency?: number;
  /** Queue sync-all every hour (default true). */
  schedule?: boolean;
  scheduleEveryMs?: number;
  onOutcome?: (outcome: RunOutcome) => void;
};

export type SyncRunner = {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  /** Stops polling, interrupts running syncs (they resume from their last window) and waits for them. */
  stop(): Promise<void>;
  /** Resolves when nothing is due or running (tests, scripts). */
  idle(): Promise<void>;
};

export function startSyncRunner(getDb: () => Promise<Db>, opts: RunnerOptions = {}): SyncRunner {
  const concurrency = opts.concurrency ?? 2;
  const staleMs = opts.staleMs ?? STALE_AFTER_MS;
  const abort = new AbortController();
  const inFlight = new Map<string, Promise<void>>(); // by connection id
  let scheduleTimer: NodeJS.Timeout | null = null;
  let lastTickFoundWork = true;

  // Finished jobs wake the loop themselves, so a tick never asks to run again; idle means nothing
  // is running either, not just nothing left to claim.
  const poller = startPoller({
    label: "sync",
    pollMs: opts.pollMs ?? env().SYNC_POLL_MS,
    tick,
    isIdle: () => inFlight.size === 0 && !lastTickFoundWork,
  });
  const wake = poller.wake;

  async function tick(): Promise<void> {
    const db = await getDb();
    // Days a crash left unreconciled (writers reconcile right after they commit; this is the net).
    await reconcileAllPending(db).catch((error: unknown) => console.error("[reconcile]", errorSummary(error)));
    // Then what landed goes out to Beeminder goals (throttled, beside the tick; logs its own failures).
    void pushBeeminderAfterLanding(db);
    // And to the FHIR server, when one is configured (the same throttled, beside-the-tick shape).
    void exportFhirAfterLanding(db);
    const free = concurrency - inFlight.size;
    if (free <= 0) {
      lastTickFoundWork = true;
      return;
    }
    const due = await claimableRuns(db, { staleMs, limit: 50 });
    lastTickFoundWork = due.length > 0;
    let started = 0;
    for (const run of due) {
      if (started >= free || poller.stopped) break;
      if (inFlight.has(run.connectionId)) continue;
      let busy = false;
      const job = executeRun(db, run.id, { ...opts, staleMs, signal: abort.signal, releaseOnAbort: true })
        .then((outcome) => {
          busy = outcome.status === "busy";
          opts.onOutcome?.(outcome);
        })
        .catch((error: unknown) => console.error("[sync] runner:", error instanceof Error ? error.message : error))
        .finally(() => {
          inFlight.delete(run.connectionId);
          // The connection may have more queued work; a lost race waits for the next poll instead.
          if (!poller.stopped && !busy) wake();
        });
      inFlight.set(run.connectionId, job);
      started++;
    }
  }

  if (opts.schedule ?? true) {
    const every = opts.scheduleEveryMs ?? 3_600_000;
    const fire = () => {
      getDb()
        .then((db) => queueSyncAll(db, "schedule"))
        .then(() => wake())
        .catch((error: unknown) => console.error("[sync] scheduled sync-all failed:", error instanceof Error ? error.message : error));
    };
    // First at the next top of the hour (like the Trigger.dev cron), then every hour.
    const first = every - (Date.now() % every);
    scheduleTimer = setTimeout(function loop() {
      fire();
      scheduleTimer = setTimeout(loop, every);
      scheduleTimer.unref?.();
    }, first);
    scheduleTimer.unref?.();
  }

  wake();

  return {
    wake,
    async stop() {
      const stopping = poller.stop();
      if (scheduleTimer) clearTimeout(scheduleTimer);
      abort.abort();
      await stopping;
      await Promise.all(inFlight.values());
    },
    idle: poller.idle,
  };
}

const singleton = processSingleton<SyncRunner>("__healthbridgeSyncRunner");

/** The process-wide runner (started by `startServer`); undefined when Trigger.dev runs the syncs. */
export function processRunner(): SyncRunner | undefined {
  return singleton.get();
}

/** Starts the process-wide runner once (dev reloads keep the first one). */
export function startProcessRunner(getDb: () => Promise<Db>, opts: RunnerOptions = {}): SyncRunner {
  return singleton.start(() => startSyncRunner(getDb, opts));
}
