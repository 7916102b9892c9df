"use server";

import { getDb } from "@/lib/db";
import { AuthError, signUp } from "@/lib/auth/users";

export async function signUpAction(input: { email: unknown; password: unknown; name?: unknown }) {
  try {
    await signUp(await getDb(), input);
    return { ok: true as const };
  } catch (error) {
    if (error instanceof AuthError) return { ok: false as const, error: error.message };
    throw error;
  }
}
