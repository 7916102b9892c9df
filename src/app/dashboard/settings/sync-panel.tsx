"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import { syncNowAction, type SyncNowResult } from "@/lib/sync/actions";
import { formatTime } from "@/lib/dashboard/format";
import type { ConnectionSyncStatus } from "@/lib/sync/status";
import { syncStatusLine } from "@/lib/sync/status-line";

const day = (iso: string) => iso.slice(0, 10);

/** Sync now, live progress while a run is going, last success and last error in plain words. */
export function SyncPanel({ providerId, providerName, initial, zone }: { providerId: string; providerName: string; initial: ConnectionSyncStatus; zone: string }) {
  const router = useRouter();
  const when = (iso: string) => formatTime(new Date(iso), null, zone);
  // Polled status wins until the server renders a newer `initial` (router.refresh after a run).
  const [polled, setPolled] = useState<ConnectionSyncStatus | null>(null);
  const [seenInitial, setSeenInitial] = useState(initial);
  if (seenInitial !== initial) {
    setSeenInitial(initial);
    setPolled(null);
  }
  const status = polled ?? initial;
  const [watching, setWatching] = useState(initial.active !== null);
  const [result, action, pending] = useActionState<SyncNowResult | null, FormData>(async (prev, form) => {
    const queued = await syncNowAction(prev, form);
    if (queued.ok) setWatching(true);
    return queued;
  }, null);

  // Poll while a run is queued or running; when it ends, refresh the server-rendered parts too.
  useEffect(() => {
    if (!watching) return;
    let stopped = false;
    const tick = async () => {
      try {
        const res = await fetch("/api/sync/status", { cache: "no-store" });
        if (!res.ok) return;
        const body = (await res.json()) as { connections: ConnectionSyncStatus[] };
        const mine = body.connections.find((c) => c.connectionId === initial.connectionId);
        if (!mine || stopped) return;
        setPolled(mine);
        if (!mine.active) {
          setWatching(false);
          router.refresh();
        }
      } catch {
        // transient: try again on the next tick
      }
    };
    const timer = setInterval(tick, 1000);
    void tick();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [watching, initial.connectionId, router]);

  if (!status.pullable) {
    return (
      <p className="text-xs text-slate-500">
        {providerName} delivers its data by push; there is nothing to sync by hand. <span data-testid="last-sync">{syncStatusLine(status, zone)}</span>
      </p>
    );
  }
  const active = status.active;
  return (
    <div className="space-y-2" aria-label={`${providerName} sync`} role="group">
      <form action={action} className="flex items-center gap-3">
        <input type="hidden" name="provider" value={providerId} />
        <button
          type="submit"
          disabled={pending || active !== null || status.connectionStatus !== "active"}
          className="rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60"
        >
          {active ? "Syncing…" : pending ? "Queueing…" : "Sync now"}
        </button>
        <span className="text-xs text-slate-600" data-testid="last-sync">
          {syncStatusLine(status, zone)}
        </span>
      </form>
      {result && !result.ok ? (
        <p role="alert" className="text-sm text-red-700">
          {result.error}
        </p>
      ) : null}
      <div aria-live="polite" data-testid="sync-progress">
        {active ? (
          <div className="rounded border border-slate-200 bg-slate-50 p-2 text-xs">
            <p className="font-medium">
              {active.status === "running"
                ? "Sync running"
                : active.status === "rescheduled"
                  ? `Waiting until ${when(active.runAfter)}${active.note ? `: ${active.note}` : ""}`
                  : "Sync queued"}
              {` — ${active.counts.fetched} fetched, ${active.counts.inserted} new, ${active.counts.updated} updated`}
            </p>
            <ul className="mt-1 space-y-1">
              {active.resources.map((r) => (
                <li key={r.resource} className="flex flex-wrap items-center gap-2">
                  <span className="w-32 font-medium">{r.label}</span>
                  {r.backfillPct != null ? (
                    <progress max={100} value={r.backfillPct} aria-label={`${r.label} backfill`} className="h-2 w-24" />
                  ) : null}
                  <span>
                    {r.phase === "done"
                      ? "done"
                      : r.phase === "failed"
                        ? `failed${r.error ? `: ${r.error}` : ""}`
                        : r.window
                          ? `${day(r.window.from)} → ${day(r.window.to)}`
                          : r.phase}
                    {r.backfillPct != null ? ` · backfill ${r.backfillPct}%` : ""}
                    {` · ${r.fetched} fetched, ${r.inserted} new`}
                    {r.refused ? ` · ${r.refused} refused as implausible (${r.lastRefusal ?? "out of range"})` : ""}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : status.lastRun ? (
          <p className="text-xs text-slate-600" data-testid="last-run">
            Last run {status.lastRun.status}: {status.lastRun.fetched} fetched, {status.lastRun.inserted} new,{" "}
            {status.lastRun.updated} updated, {status.lastRun.unchanged} unchanged
            {status.lastRun.durationMs != null ? ` in ${(status.lastRun.durationMs / 1000).toFixed(1)} s` : ""}.
          </p>
        ) : null}
      </div>
      {status.lastError ? (
        <p className="text-sm text-red-700" data-testid="sync-error">
          Last error: {status.lastError}
        </p>
      ) : null}
    </div>
  );
}
