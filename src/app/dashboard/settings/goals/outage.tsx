import { formatTime } from "@/lib/dashboard/format";

/**
 * Goals page: the last regular pass could not get through to Beeminder (5xx, 429, unreachable) and
 * the next try is scheduled with backoff (push.ts). Times on the user's home zone's clock.
 */
export function BeeminderOutage({ error, retryAt, failures, zone }: { error: string | null; retryAt: Date; failures: number; zone: string }) {
  return (
    <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900" data-testid="beeminder-outage">
      {error ?? "Sending to Beeminder failed."} Next try at {formatTime(retryAt, null, zone)}
      {failures > 1 ? ` (failed ${failures} times in a row; tries come less often, at least hourly)` : ""}. Nothing is lost: what was not sent goes out
      with the next pass that gets through.
    </p>
  );
}
