"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userAction } from "@/lib/actions";
import { ApiKeyError, createApiKey, revokeApiKey } from "@/lib/api-keys";

/** Server actions of the "Phone apps" settings section (phone-apps-panel.tsx). */

/** Creates a key; the plaintext key goes back to this one response and is never stored. */
export const createKeyAction = userAction(
  "create API key",
  z.object({ name: z.unknown().optional() }),
  async ({ user, db }, { name }) => {
    const created = await createApiKey(db, user.id, name);
    revalidatePath("/dashboard/settings");
    return { ok: true as const, name: created.name, prefix: created.prefix, key: created.key };
  },
  { userErrors: [ApiKeyError] },
);

export const revokeKeyAction = userAction(
  "revoke API key",
  z.object({ id: z.string({ message: "Which key? Reload the page and try again." }) }),
  async ({ user, db }, { id }) => {
    await revokeApiKey(db, user.id, id);
    revalidatePath("/dashboard/settings");
    return { ok: true as const };
  },
  { userErrors: [ApiKeyError] },
);

export type CreateKeyState = Awaited<ReturnType<typeof createKeyAction>> | null;
export type RevokeKeyState = Awaited<ReturnType<typeof revokeKeyAction>> | null;
