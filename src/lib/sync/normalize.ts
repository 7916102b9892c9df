import { transformFor } from "@/lib/normalize/providers";

/**
 * The bridge from a fetched page to normalized rows: each provider's pure transforms
 * (`src/lib/normalize/providers/<id>.ts`), keyed by the same resource names as the fetchers.
 */
export const normalizerFor = transformFor;
