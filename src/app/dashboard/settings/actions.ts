"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { userAction, type ActionFailure } from "@/lib/actions";
import { startInitialSync } from "@/lib/connections/after-connect";
import { disconnectProvider } from "@/lib/connections/actions";
import { CredentialsInputError, connectWithApiKey, connectWithPassword } from "@/lib/connections/credentials";
import { migrateGarminToOAuth2 } from "@/lib/connections/oauth1";
import { connectErrorMessage } from "@/lib/connections/responses";
import { PROVIDER_IDS, providers } from "@/lib/providers";

/** `email` comes back on failure so the form (reset by React after an action) keeps what was typed. */
export type ActionResult = { ok: true } | (ActionFailure & { email?: string });

const connectErrors = { userErrors: [CredentialsInputError], describe: connectErrorMessage };

const credentialsInput = z.object({
  provider: z.enum(PROVIDER_IDS, { message: "Unknown provider." }),
  apiKey: z.unknown().optional(),
  email: z.unknown().optional(),
  password: z.unknown().optional(),
});

/** Hevy (API key) and Eight Sleep (account sign-in): the card's small form. */
export const connectCredentialsAction = userAction(
  "connect with credentials",
  credentialsInput,
  async ({ user, db }, input) => {
    const def = providers[input.provider];
    if (def.authKind !== "api_key" && def.authKind !== "password") return { ok: false, error: `${def.name} connects through its own sign-in page.` };
    const connection =
      def.authKind === "api_key"
        ? await connectWithApiKey(db, user.id, def.id, input.apiKey)
        : await connectWithPassword(db, user.id, def.id, { email: input.email, password: input.password });
    await startInitialSync(db, connection);
    revalidatePath("/dashboard/settings");
    return { ok: true as const };
  },
  { ...connectErrors, keep: (raw) => (raw && typeof (raw as { email?: unknown }).email === "string" ? { email: (raw as { email: string }).email } : {}) },
);

export const migrateGarminAction = userAction(
  "migrate Garmin to OAuth 2.0",
  z.unknown(),
  async ({ user, db }) => {
    await migrateGarminToOAuth2(db, user.id);
    revalidatePath("/dashboard/settings");
    return { ok: true as const };
  },
  connectErrors,
);

/** Disconnect, then show the settings page with what happened (revocation is best effort). */
export async function disconnectAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const result = await disconnectProvider(form);
  if (!result.ok) return result;
  const params = new URLSearchParams({ provider: result.provider, disconnected: "1" });
  if (result.revokeError) params.set("note", `Could not revoke access at the provider: ${result.revokeError}.`);
  else if (result.revokeSkipped) params.set("note", result.revokeSkipped);
  redirect(`/dashboard/settings?${params}`);
}
