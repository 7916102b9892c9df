import { formatTime } from "@/lib/dashboard/format";
import type { ConnectionSyncStatus } from "./status";

/** Client-safe wording of a connection's sync status (the settings card renders it in the browser too). */
/**
 * The card's one status line. It never contradicts what is stored: a connection with records, or
 * whose last run landed some, is not "not synced yet" even when no run has finished cleanly.
 */
export function syncStatusLine(s: ConnectionSyncStatus, zone: string): string {
  if (!s.pullable) {
    if (s.lastDeliveryAt) return `Last delivery: ${formatTime(new Date(s.lastDeliveryAt), null, zone)}`;
    return s.hasRecords ? "Data stored; no delivery recorded since connecting" : "No delivery yet";
  }
  if (s.lastSuccessAt) return `Last successful sync: ${formatTime(new Date(s.lastSuccessAt), null, zone)}`;
  const landed = s.hasRecords || (s.lastRun && s.lastRun.inserted + s.lastRun.updated > 0) || (s.active && s.active.counts.inserted + s.active.counts.updated > 0);
  if (s.active?.status === "running") return landed ? "First sync running; data is arriving" : "First sync running";
  if (landed) return s.lastRun?.status === "failed" ? "Data stored, but no sync has finished cleanly yet (the last one failed)" : "Data stored; no sync has finished yet";
  return s.lastRun?.status === "failed" ? "Not synced yet: the last attempt failed" : "Not synced yet";
}
