import { env } from "@/lib/env";
import type { Resource } from "@/lib/fhir/resources";
import { retryAfterMs, safeReason } from "@/lib/providers/shared/errors";

/** The configured FHIR server (FHIR_EXPORT_BASE_URL + FHIR_EXPORT_TOKEN), or null when export is off. */
export type FhirServer = { baseUrl: string; token: string };

export function configuredFhirServer(): FhirServer | null {
  const e = env();
  return e.FHIR_EXPORT_BASE_URL && e.FHIR_EXPORT_TOKEN ? { baseUrl: e.FHIR_EXPORT_BASE_URL.replace(/\/+$/, ""), token: e.FHIR_EXPORT_TOKEN } : null;
}

/**
 * Why a transaction was not accepted, in words for the Settings page. `retryAfterMs` is the
 * server's Retry-After (429/503), when it sent one.
 */
export class FhirExportError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "FhirExportError";
  }
}

const TIMEOUT_MS = 60_000;

/** The first OperationOutcome diagnostics (or issue text) of an error body, token-free and short. */
function outcomeText(body: unknown, token: string): string {
  const issues = (body as { resourceType?: string; issue?: Array<{ diagnostics?: string; details?: { text?: string } }> } | null)?.issue;
  const text = issues?.map((i) => i.diagnostics ?? i.details?.text).find(Boolean);
  return text ? safeReason(text, [token]) : "";
}

function plainWords(status: number, detail: string): string {
  const why = detail ? ` (${detail})` : "";
  if (status === 401 || status === 403) return `The FHIR server refused the export token (HTTP ${status}). Check FHIR_EXPORT_TOKEN.${why}`;
  if (status === 429) return `The FHIR server asked us to slow down (HTTP 429); the export resumes later.${why}`;
  if (status >= 500) return `The FHIR server had an error (HTTP ${status}); the export resumes later.${why}`;
  return `The FHIR server rejected a batch of Observations (HTTP ${status}).${why}`;
}

/** POSTs one transaction Bundle to the server's base and returns its transaction-response. */
export async function postTransaction(server: FhirServer, bundle: Resource, now = Date.now()): Promise<Resource> {
  let res: Response;
  try {
    res = await fetch(server.baseUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/fhir+json", accept: "application/fhir+json" },
      body: JSON.stringify(bundle),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    throw new FhirExportError(`Could not reach the FHIR server at ${new URL(server.baseUrl).host} (${timedOut ? "no answer in 60 s" : "network error"}); the export resumes later.`, null);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: only the status speaks
  }
  if (!res.ok) throw new FhirExportError(plainWords(res.status, outcomeText(body, server.token)), res.status, retryAfterMs(res.headers.get("retry-after"), now));
  const response = body as Resource | null;
  if (response?.resourceType !== "Bundle" || response.type !== "transaction-response" || !Array.isArray(response.entry))
    throw new FhirExportError(`The FHIR server answered HTTP ${res.status} without a transaction-response Bundle; is FHIR_EXPORT_BASE_URL its R4 base?`, res.status);
  return response;
}
