import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { authOptions } from "./options";

export type SessionUser = { id: string; email: string };

/** The signed-in user, or null. */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions());
  const user = session?.user as { id?: string; email?: string | null } | undefined;
  return user?.id && user.email ? { id: user.id, email: user.email } : null;
}

/** Where a visitor goes to sign in, coming back to `returnTo` afterwards. */
export function signInUrl(returnTo: string): string {
  return `/signin?callbackUrl=${encodeURIComponent(returnTo)}`;
}

/** For pages: the signed-in user, or a redirect to sign-in and back to `returnTo`. */
export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(signInUrl(returnTo));
  return user;
}
