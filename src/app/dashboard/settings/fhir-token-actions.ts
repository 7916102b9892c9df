"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userAction } from "@/lib/actions";
import { ApiKeyError, createApiKey, revokeApiKey } from "@/lib/api-keys";

/** Server actions of the "FHIR API access" settings section: personal access tokens (read-only). */

export const createFhirTokenAction = userAction(
  "create FHIR token",
  z.object({ name: z.unknown().optional() }),
  async ({ user, db }, { name }) => {
    const created = await createApiKey(db, user.id, name, "fhir");
    revalidatePath("/dashboard/settings");
    return { ok: true as const, name: created.name, prefix: created.prefix, key: created.key };
  },
  { userErrors: [ApiKeyError] },
);

export const revokeFhirTokenAction = userAction(
  "revoke FHIR token",
  z.object({ id: z.string({ message: "Which token? Reload the page and try again." }) }),
  async ({ user, db }, { id }) => {
    await revokeApiKey(db, user.id, id, new Date(), "fhir");
    revalidatePath("/dashboard/settings");
    return { ok: true as const };
  },
  { userErrors: [ApiKeyError] },
);

export type CreateFhirTokenState = Awaited<ReturnType<typeof createFhirTokenAction>> | null;
