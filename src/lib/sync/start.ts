import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { startProcessRunner } from "./runner";

/**
 * Server start-up hook: without TRIGGER_SECRET_KEY the in-process runner executes queued syncs and
 * the hourly schedule. Never under vitest (tests start their own runner), nor with SYNC_RUNNER=off.
 */
export function startBackgroundSync(): void {
  if (env().TRIGGER_SECRET_KEY || process.env.VITEST || env().SYNC_RUNNER === "off") return;
  startProcessRunner(getDb);
}
