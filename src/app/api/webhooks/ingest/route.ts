import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { handleIngest } from "@/lib/ingest/ingest";
import { TokenBucketLimiter } from "@/lib/ingest/rate-limit";

/** Phone bridges (Health Auto Export, Health Connect apps) push here; see src/lib/ingest/ingest.ts. */

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Per process (see rate-limit.ts); kept on globalThis so dev reloads keep the buckets.
const g = globalThis as typeof globalThis & { __ingestLimiter?: TokenBucketLimiter };
const limiter = (g.__ingestLimiter ??= new TokenBucketLimiter());

export async function POST(request: Request): Promise<Response> {
  return handleIngest(await getDb(), request, { maxBodyBytes: env().INGEST_MAX_BODY_BYTES, limiter });
}
