/**
 * Per-key token bucket, in process memory. Good enough for one app instance (the embedded default);
 * several instances behind a load balancer each keep their own buckets, so the effective limit is
 * per instance. Buckets are pruned once full again, so memory stays bounded by active keys.
 */

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export type RateLimiter = { take(key: string, now?: number): RateLimitResult };

export type TokenBucketOptions = {
  /** Requests a key may send in a burst (HAE "batch requests" posts several in a row). */
  capacity: number;
  /** Tokens regained per second. */
  refillPerSecond: number;
};

/** Defaults: bursts of 60 requests, then one request every 2 s on average. */
export const DEFAULT_INGEST_RATE: TokenBucketOptions = { capacity: 60, refillPerSecond: 0.5 };

export class TokenBucketLimiter implements RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly opts: TokenBucketOptions = DEFAULT_INGEST_RATE) {}

  take(key: string, now = Date.now()): RateLimitResult {
    const { capacity, refillPerSecond } = this.opts;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * refillPerSecond);
    b.at = now;
    if (this.buckets.size > 10_000) this.prune(now);
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / refillPerSecond)) };
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return { ok: true };
  }

  private prune(now: number): void {
    const { capacity, refillPerSecond } = this.opts;
    for (const [key, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * refillPerSecond >= capacity) this.buckets.delete(key);
  }
}
