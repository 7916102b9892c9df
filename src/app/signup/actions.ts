"use server";

import { getDb } from "@/lib/db";
import { AuthError, signUp } from "@/lib/auth/users";
import { serverFailure } from "@/lib/db/schema-state";

/**
 * Sign-up. A taken e-mail gets the same `{ok: true}` as a new one (no account enumeration); the form
 * then signs in, which only works with that account's own password.
 */
export async function signUpAction(input: { email: unknown; password: unknown; name?: unknown }) {
  try {
    await signUp(await getDb(), input);
    return { ok: true as const };
  } catch (error) {
    if (error instanceof AuthError) return { ok: false as const, error: error.message };
    return { ok: false as const, error: serverFailure(error, "sign-up") };
  }
}
