import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { safeReturnPath } from "./return-path";
import { clientFromHeaders } from "./throttle";
import { AuthError, authenticate, revokeSessions, sessionIsCurrent } from "./users";

let options: NextAuthOptions | undefined;

/**
 * next-auth configuration: e-mail + password, JWT sessions. Built lazily so builds need no secrets.
 * A JWT cannot be deleted, so each carries the user's session version (`sv`): sign-out and password
 * change bump the version, and every request re-checks it here (a revoked token yields no user).
 */
export function authOptions(): NextAuthOptions {
  options ??= {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          try {
            const user = await authenticate(await getDb(), {
              email: credentials?.email,
              password: credentials?.password,
              client: clientFromHeaders(req?.headers as Record<string, unknown> | undefined),
            });
            return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
          } catch (error) {
            // next-auth passes this message to the sign-in form as `error`.
            if (error instanceof AuthError) throw new Error(error.message);
            throw error;
          }
        },
      }),
    ],
    callbacks: {
      // next-auth's own redirects (signOut callbackUrl, error pages) get the same same-origin rule.
      redirect({ url, baseUrl }) {
        const path = url.startsWith(baseUrl) ? url.slice(baseUrl.length) || "/" : url;
        return `${baseUrl}${safeReturnPath(path, "/dashboard", baseUrl)}`;
      },
      async jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
          return token;
        }
        if (token.revoked || typeof token.uid !== "string") return { revoked: true };
        if (!(await sessionIsCurrent(await getDb(), token.uid, token.sv))) return { revoked: true };
        return token;
      },
      session({ session, token }) {
        if (token.revoked || typeof token.uid !== "string") return { expires: session.expires };
        if (session.user) (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
    events: {
      // Sign-out ends every session of the account: a copied cookie must not outlive it.
      async signOut({ token }) {
        if (token && typeof token.uid === "string" && !token.revoked) await revokeSessions(await getDb(), token.uid);
      },
    },
  };
  return options;
}
