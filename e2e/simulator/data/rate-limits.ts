/**
 * Request budgets as the real providers count them, so a client that ignores them gets 429s here
 * too. Windows are aligned like the providers reset them (Strava :00/:15/:30/:45 and 00:00 UTC,
 * Fitbit the top of the hour, the rest at multiples of their length since the epoch) and measured
 * on the simulator clock. Numbers from providers.md; where it gives none the provider has no rule.
 */

export type Rule = { name: string; windowMs: number; limit: number };

export type Usage = { rule: Rule; used: number; resetMs: number };

export type Verdict = { allowed: boolean; usage: Usage[]; retryAfterS: number };

const MIN = 60_000;

/** The published budgets; Polar's grow with its registered users (`users`). */
export function rulesFor(provider: string, users = 1): Rule[] {
  switch (provider) {
    case "strava":
      // Every simulated data call is a read: it counts against the overall and the read budget.
      return [
        { name: "overall:15min", windowMs: 15 * MIN, limit: 200 },
        { name: "overall:daily", windowMs: 1440 * MIN, limit: 2000 },
        { name: "read:15min", windowMs: 15 * MIN, limit: 100 },
        { name: "read:daily", windowMs: 1440 * MIN, limit: 1000 },
      ];
    case "oura":
      return [{ name: "5min", windowMs: 5 * MIN, limit: 5000 }];
    case "whoop":
      return [
        { name: "minute", windowMs: MIN, limit: 100 },
        { name: "day", windowMs: 1440 * MIN, limit: 10_000 },
      ];
    case "fitbit":
      return [{ name: "hour", windowMs: 60 * MIN, limit: 150 }];
    case "polar":
      return [
        { name: "15min", windowMs: 15 * MIN, limit: 500 + users * 20 },
        { name: "24h", windowMs: 1440 * MIN, limit: 5000 + users * 100 },
      ];
    case "withings":
      return [{ name: "minute", windowMs: MIN, limit: 120 }];
    default:
      return [];
  }
}

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

/** Each provider's rate-limit headers for a response (also sent on 429s). */
export function rateLimitHeaders(provider: string, usage: Usage[], now: number): Record<string, string> {
  const u = (name: string) => usage.find((x) => x.rule.name === name);
  const resetS = (x: Usage | undefined) => String(x ? Math.max(0, Math.ceil((x.resetMs - now) / 1000)) : 0);
  const remaining = (x: Usage | undefined) => String(x ? Math.max(0, x.rule.limit - x.used) : 0);
  switch (provider) {
    case "strava": {
      const pair = (a: string, b: string, f: (x: Usage | undefined) => string) => `${f(u(a))},${f(u(b))}`;
      const limit = (x: Usage | undefined) => String(x?.rule.limit ?? 0);
      const used = (x: Usage | undefined) => String(x?.used ?? 0);
      return {
        "x-ratelimit-limit": pair("overall:15min", "overall:daily", limit),
        "x-ratelimit-usage": pair("overall:15min", "overall:daily", used),
        "x-readratelimit-limit": pair("read:15min", "read:daily", limit),
        "x-readratelimit-usage": pair("read:15min", "read:daily", used),
      };
    }
    case "oura": {
      // Header names from the spec (providers.md §3); the value formats are UNCONFIRMED.
      const x = u("5min");
      return { "x-ratelimit-limit": String(x?.rule.limit ?? 0), "x-ratelimit-remaining": remaining(x), "x-ratelimit-window": "300", "x-ratelimit-reset": resetS(x), "x-ratelimit-tier": "application" };
    }
    case "whoop": {
      const minute = u("minute");
      const day = u("day");
      const tighter = minute && day && day.rule.limit - day.used < minute.rule.limit - minute.used ? day : minute;
      return { "x-ratelimit-limit": "100;window=60, 10000;window=86400", "x-ratelimit-remaining": remaining(tighter), "x-ratelimit-reset": resetS(tighter) };
    }
    case "fitbit": {
      const x = u("hour");
      return { "fitbit-rate-limit-limit": String(x?.rule.limit ?? 150), "fitbit-rate-limit-remaining": remaining(x), "fitbit-rate-limit-reset": resetS(x) };
    }
    case "polar": {
      // Names from open-wearables' notes; values of the 15-minute window (format UNCONFIRMED).
      const x = u("15min");
      return { "ratelimit-usage": String(x?.used ?? 0), "ratelimit-limit": String(x?.rule.limit ?? 0), "ratelimit-reset": resetS(x) };
    }
    default:
      return {};
  }
}
