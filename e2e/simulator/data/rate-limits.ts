/**
 * The generic request-budget counter. Each provider's budgets and rate-limit headers live in its own
 * folder (`providers/<id>/rate-limits.ts`, the `rateLimits` part of its data spec); `data/http.ts`
 * takes them from the registry the simulator serves. Windows are aligned like the providers reset
 * them (Strava :00/:15/:30/:45 and 00:00 UTC, the rest at multiples of
 * their length since the epoch) and measured on the simulator clock. Numbers from providers.md;
 * where it gives none the provider has no rule.
 */

export type Rule = { name: string; windowMs: number; limit: number };

export type Usage = { rule: Rule; used: number; resetMs: number };

export type Verdict = { allowed: boolean; usage: Usage[]; retryAfterS: number };

/** One minute, the unit the providers' budgets are written in. */
export const MIN = 60_000;

/** Helpers for a provider's header values. */
export const usageOf = (usage: Usage[], name: string): Usage | undefined => usage.find((x) => x.rule.name === name);
/** Seconds until the window resets (0 without a window). */
export const resetSeconds = (x: Usage | undefined, now: number): string => String(x ? Math.max(0, Math.ceil((x.resetMs - now) / 1000)) : 0);
/** Requests left in the window (0 without a window). */
export const remainingOf = (x: Usage | undefined): string => String(x ? Math.max(0, x.rule.limit - x.used) : 0);

export class RateLimiter {
  private counters = new Map<string, { start: number; used: number }>();

  /** Counts one request against every rule (unless `enforce` and a budget is spent). */
  take(scope: string, rules: Rule[], now: number, enforce: boolean): Verdict {
    const current = rules.map((rule) => {
      const start = Math.floor(now / rule.windowMs) * rule.windowMs;
      const key = `${scope}|${rule.name}`;
      let c = this.counters.get(key);
      if (!c || c.start !== start) this.counters.set(key, (c = { start, used: 0 }));
      return { rule, c, resetMs: start + rule.windowMs };
    });
    const spent = current.filter((x) => x.c.used >= x.rule.limit);
    if (enforce && spent.length) {
      const retryAfterS = Math.max(1, Math.ceil((Math.max(...spent.map((x) => x.resetMs)) - now) / 1000));
      return { allowed: false, retryAfterS, usage: current.map((x) => ({ rule: x.rule, used: x.c.used, resetMs: x.resetMs })) };
    }
    for (const x of current) x.c.used += 1;
    return { allowed: true, retryAfterS: 0, usage: current.map((x) => ({ rule: x.rule, used: x.c.used, resetMs: x.resetMs })) };
  }

  /** Current counts (for the admin API). */
  snapshot(): Record<string, { windowStart: string; used: number }> {
    return Object.fromEntries([...this.counters].map(([k, v]) => [k, { windowStart: new Date(v.start).toISOString(), used: v.used }]));
  }

  reset(): void {
    this.counters.clear();
  }
}
