import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { startWebhookProcessRunner } from "./runner";

/**
 * Server start-up hook: without TRIGGER_SECRET_KEY the in-process runner processes stored notices
 * (including any left pending by a previous process). Never under vitest (tests start their own).
 */
export function startWebhookProcessing(): void {
  if (env().TRIGGER_SECRET_KEY || process.env.VITEST || env().WEBHOOK_RUNNER === "off") return;
  startWebhookProcessRunner(getDb);
}
