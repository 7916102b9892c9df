import { z } from "zod";

/**
 * Sync settings, read from the environment once (all optional):
 * - SYNC_BACKFILL_MAX_DAYS: how far back a first sync goes at most (default 3650 = 10 years; a
 *   provider that keeps less history caps it further).
 * - SYNC_RATE_LIMITS: "on" (default) enforces each provider's request budget; "off" is for local
 *   benchmarks against the simulator only.
 * - SYNC_RUNNER: "off" keeps the in-process runner from starting with the server.
 * - SYNC_POLL_MS: how often the in-process runner looks for queued runs (default 2000).
 */

const schema = z.object({
  SYNC_BACKFILL_MAX_DAYS: z.coerce.number().int().positive().max(36_500).default(3650),
  SYNC_RATE_LIMITS: z.enum(["on", "off"]).default("on"),
  SYNC_RUNNER: z.enum(["on", "off"]).default("on"),
  SYNC_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
});

export type SyncConfig = z.infer<typeof schema>;

export function syncConfig(source: Record<string, string | undefined> = process.env): SyncConfig {
  const emptyToUndefined = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, source[k] === "" ? undefined : source[k]]),
  );
  const parsed = schema.safeParse(emptyToUndefined);
  if (!parsed.success) {
    throw new Error(`Invalid sync configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
