"use server";

import { headers } from "next/headers";
import { z } from "zod";
import { deleteAccount } from "@/lib/account";
import { getSessionUser } from "@/lib/auth/session";
import { clientFromHeaders } from "@/lib/auth/throttle";
import { AuthError, authenticate, changePassword } from "@/lib/auth/users";
import { getDb } from "@/lib/db";
import { serverFailure } from "@/lib/db/schema-state";

export type AccountActionResult = { ok: true; email?: string } | { ok: false; error: string };

const client = async () => clientFromHeaders(await headers());

/** Changes the password and revokes every session; the form then signs in again with the new one. */
export async function changePasswordAction(input: { current: unknown; next: unknown; confirm: unknown }): Promise<AccountActionResult> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Your session has ended: sign in again." };
  if (input.next !== input.confirm) return { ok: false, error: "The new password and its confirmation differ." };
  try {
    await changePassword(await getDb(), user, { current: input.current, next: input.next }, { client: await client() });
    return { ok: true, email: user.email };
  } catch (error) {
    if (error instanceof AuthError) return { ok: false, error: error.message };
    return { ok: false, error: serverFailure(error, "password change") };
  }
}

const deleteInput = z.object({
  password: z.string({ message: "Enter your password to confirm." }).min(1, "Enter your password to confirm.").max(1024),
  confirm: z.literal("DELETE", { message: 'Type DELETE to confirm.' }),
});

/** Deletes the account after the password is re-entered: revokes at every provider, deletes everything. */
export async function deleteAccountAction(input: { password: unknown; confirm: unknown }): Promise<AccountActionResult> {
  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Your session has ended: sign in again." };
  const parsed = deleteInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
  try {
    const db = await getDb();
    await authenticate(db, { email: user.email, password: parsed.data.password, client: await client() });
    await deleteAccount(db, user.id);
    return { ok: true };
  } catch (error) {
    if (error instanceof AuthError)
      return { ok: false, error: error.code === "wrong_credentials" ? "The password is not right." : error.message };
    return { ok: false, error: serverFailure(error, "account deletion") };
  }
}
