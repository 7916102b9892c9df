/**
 * The retry schedule of a destination pass (the FHIR export, Beeminder) after `failures` failed
 * passes in a row: base, 2×base, 4×base, … at most `maxMs`. The caller stores the next attempt's
 * instant (nothing sleeps in-process), so a poller that ticks every few seconds does not knock on a
 * server that is down, and a pass that gets through resets the count.
 */
export function exponentialBackoff(baseMs: number, maxMs: number) {
  return (failures: number) => Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** When to try again: the backoff, or the server's Retry-After when it asks for longer. */
export const nextAttemptAt = (now: Date, backoff: (failures: number) => number, failures: number, retryAfterMs = 0) =>
  new Date(now.getTime() + Math.max(backoff(failures), retryAfterMs));
