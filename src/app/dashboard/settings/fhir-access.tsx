import { listApiKeys } from "@/lib/api-keys";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { FhirAccessPanel } from "./fhir-access-panel";

/** Settings → "FHIR API access": personal access tokens for FHIR apps. Server component. */
export async function FhirAccess() {
  const user = await getSessionUser();
  if (!user) return null;
  const tokens = await listApiKeys(await getDb(), user.id, "fhir");
  return (
    <FhirAccessPanel
      baseUrl={new URL("/api/fhir", env().APP_URL).toString()}
      patientId={user.id}
      tokens={tokens.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdAt: k.createdAt.toISOString(),
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      }))}
    />
  );
}
