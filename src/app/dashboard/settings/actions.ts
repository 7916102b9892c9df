"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { disconnectProvider } from "@/lib/connections/actions";
import { getSessionUser } from "@/lib/auth/session";
import { CredentialsInputError, connectWithApiKey, connectWithPassword } from "@/lib/connections/credentials";
import { migrateGarminToOAuth2 } from "@/lib/connections/oauth1";
import { connectErrorMessage } from "@/lib/connections/responses";
import { getDb } from "@/lib/db";
import { isProviderId, providers } from "@/lib/providers";
import { startInitialSync } from "@/lib/connections/after-connect";

/** `email` comes back on failure so the form (reset by React after an action) keeps what was typed. */
export type ActionResult = { ok: true } | { ok: false; error: string; email?: string };

function failure(error: unknown): ActionResult {
  if (error instanceof CredentialsInputError) return { ok: false, error: error.message };
  const message = connectErrorMessage(error);
  if (message) return { ok: false, error: message };
  throw error;
}

/** Hevy (API key) and Eight Sleep (account sign-in): the card's small form. */
export async function connectCredentialsAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Your session has ended: sign in again." };
  const provider = form.get("provider");
  if (!isProviderId(provider)) return { ok: false, error: "Unknown provider." };
  const db = await getDb();
  try {
    const kind = providers[provider].authKind;
    if (kind !== "api_key" && kind !== "password")
      return { ok: false, error: `${providers[provider].name} connects through its own sign-in page.` };
    const connection =
      kind === "api_key"
        ? await connectWithApiKey(db, user.id, provider, form.get("apiKey"))
        : await connectWithPassword(db, user.id, provider, { email: form.get("email"), password: form.get("password") });
    await startInitialSync(db, connection);
  } catch (error) {
    const email = form.get("email");
    return { ...failure(error), ...(typeof email === "string" ? { email } : {}) } as ActionResult;
  }
  revalidatePath("/dashboard/settings");
  return { ok: true };
}

export async function migrateGarminAction(): Promise<ActionResult> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Your session has ended: sign in again." };
  try {
    await migrateGarminToOAuth2(await getDb(), user.id);
  } catch (error) {
    return failure(error);
  }
  revalidatePath("/dashboard/settings");
  return { ok: true };
}

/** Disconnect, then show the settings page with what happened (revocation is best effort). */
export async function disconnectAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const result = await disconnectProvider(form);
  if (!result.ok) return result;
  const params = new URLSearchParams({ provider: result.provider, disconnected: "1" });
  if (result.revokeError) params.set("note", `Could not revoke access at the provider: ${result.revokeError}.`);
  redirect(`/dashboard/settings?${params}`);
}
