"use server";

import { revalidatePath } from "next/cache";
import { ApiKeyError, createApiKey, revokeApiKey } from "@/lib/api-keys";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";

/** Server actions of the "Phone apps" settings section (src/components/phone-apps.tsx). */

export type CreateKeyState =
  | { ok: true; name: string; prefix: string; key: string }
  | { ok: false; error: string }
  | null;

export type RevokeKeyState = { ok: true } | { ok: false; error: string } | null;

const SIGNED_OUT = "Your session has ended: sign in again.";

/** Creates a key; the plaintext key goes back to this one response and is never stored. */
export async function createKeyAction(_prev: CreateKeyState, form: FormData): Promise<CreateKeyState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: SIGNED_OUT };
  try {
    const created = await createApiKey(await getDb(), user.id, form.get("name"));
    revalidatePath("/dashboard/settings");
    return { ok: true, name: created.name, prefix: created.prefix, key: created.key };
  } catch (error) {
    if (error instanceof ApiKeyError) return { ok: false, error: error.message };
    throw error;
  }
}

export async function revokeKeyAction(_prev: RevokeKeyState, form: FormData): Promise<RevokeKeyState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: SIGNED_OUT };
  const id = form.get("id");
  try {
    await revokeApiKey(await getDb(), user.id, typeof id === "string" ? id : "");
  } catch (error) {
    if (error instanceof ApiKeyError) return { ok: false, error: error.message };
    throw error;
  }
  revalidatePath("/dashboard/settings");
  return { ok: true };
}
