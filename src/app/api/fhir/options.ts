import { getSessionUser } from "@/lib/auth/session";
import { fhirLimiter, type FhirOptions } from "@/lib/fhir/api";

/** How the /api/fhir routes find the caller: a bearer token, else the signed-in session. */
export const fhirOptions: FhirOptions = {
  sessionUserId: async () => (await getSessionUser())?.id ?? null,
  limiter: fhirLimiter,
};
