import { isObject } from "../shared/fetch";

/** Base of every Google Health API v4 call (google-health.md A.4); `{user}` is always `me`. */
export const GH_API = "https://health.googleapis.com/v4";

/**
 * Google's error envelope `{error: google.rpc.Status}` (google-health.md A.12), read for decisions:
 * the shared client (`sync/client.ts`) already turns 429 `RESOURCE_EXHAUSTED` into a reschedule and
 * 401 into one refresh, and `errorText` puts `STATUS: REASON: message` into every error message.
 */
export type RpcStatus = { code?: number; status?: string; message?: string; reason?: string };

export function rpcStatus(json: unknown): RpcStatus | undefined {
  const e = isObject(json) && isObject(json.error) ? json.error : undefined;
  if (!e) return undefined;
  const details = Array.isArray(e.details) ? e.details.filter(isObject) : [];
  const info = details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
  return {
    code: typeof e.code === "number" ? e.code : undefined,
    status: typeof e.status === "string" ? e.status : undefined,
    message: typeof e.message === "string" ? e.message : undefined,
    reason: info && typeof info.reason === "string" ? info.reason : undefined,
  };
}
