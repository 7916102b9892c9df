import { errorSummary } from "@/lib/db/schema-state";

/**
 * The poll loop shared by the in-process runners (sync runs, webhook notices): one tick at a time,
 * a wake during a tick runs another right after it (so no announced work waits a whole poll), and
 * an unref'd timer polls while idle (it must not keep a script or test process alive).
 */

export type PollerOptions = {
  /** Prefix of the error log, e.g. "sync". */
  label: string;
  pollMs: number;
  /** Looks for work once. A failure is logged and the loop carries on. */
  tick: () => Promise<void>;
  /** Read after each tick, even a failed one: true ticks again at once instead of waiting a poll. */
  runAgain?: () => boolean;
  /** Read after a tick that does not run again: idle() waiters resolve only if true (default). */
  isIdle?: () => boolean;
  /** stop() resolves idle() waiters, and idle() resolves at once once stopped (else they never do). */
  releaseIdleOnStop?: boolean;
};

export type Poller = {
  wake(): void;
  /** Stops polling and waits for the running tick. */
  stop(): Promise<void>;
  idle(): Promise<void>;
  readonly stopped: boolean;
};

/** Creates the loop without ticking: the caller wakes it once it is set up. */
export function startPoller(opts: PollerOptions): Poller {
  let timer: NodeJS.Timeout | null = null;
  // The same failure every poll (database down, schema missing) is logged once, not every 2 s.
  let lastFailure: string | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const releaseIdle = () => {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  function schedulePoll(delay: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      wake();
    }, delay);
    timer.unref?.();
  }

  function wake() {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = opts
      .tick()
      .then(() => {
        if (lastFailure !== null) console.error(`[${opts.label}] runner poll works again`);
        lastFailure = null;
      })
      .catch((error: unknown) => {
        const summary = errorSummary(error);
        if (summary !== lastFailure) console.error(`[${opts.label}] runner poll failed: ${summary}`);
        lastFailure = summary;
      })
      .finally(() => {
        ticking = null;
        if (again || (opts.runAgain?.() ?? false)) {
          again = false;
          wake();
          return;
        }
        schedulePoll(opts.pollMs);
        if (opts.isIdle?.() ?? true) releaseIdle();
      });
  }

  return {
    wake,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      if (opts.releaseIdleOnStop) releaseIdle();
    },
    idle() {
      return new Promise<void>((resolve) => {
        if (stopped && opts.releaseIdleOnStop) return resolve();
        idleWaiters.push(resolve);
        wake();
      });
    },
    get stopped() {
      return stopped;
    },
  };
}

/**
 * A process-wide instance kept on globalThis: dev reloads re-evaluate modules, and must find the
 * instance already started instead of starting a second one.
 */
export function processSingleton<T>(key: string) {
  const g = globalThis as Record<string, unknown>;
  return {
    get: () => g[key] as T | undefined,
    start: (create: () => T): T => (g[key] ??= create()) as T,
  };
}
