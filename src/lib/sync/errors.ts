/**
 * How a sync stops early. Messages are plain words for the settings page; they never carry tokens
 * (provider text only ever arrives here through `safeReason`).
 */

/** The provider (or our shared budget) asked us to come back later: the run is rescheduled, not failed. */
export class RescheduleError extends Error {
  constructor(
    readonly runAfter: Date,
    message: string,
  ) {
    super(message);
    this.name = "RescheduleError";
  }
}

/** The provider refused our credentials even after a refresh: the user must reconnect. */
export class NeedsReauthError extends Error {
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(message);
    this.name = "NeedsReauthError";
  }
}

/** Another process took this run over (our heartbeat went stale): stop without touching it. */
export class LostClaimError extends Error {
  constructor(readonly runId: string) {
    super("the run was taken over by another worker");
    this.name = "LostClaimError";
  }
}

/** The caller's AbortSignal fired (shutdown, or a test simulating a crash). */
export class SyncAbortedError extends Error {
  constructor() {
    super("the sync was interrupted");
    this.name = "SyncAbortedError";
  }
}
