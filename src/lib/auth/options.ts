import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { safeReturnPath } from "./return-path";
import { AuthError, authenticate } from "./users";

let options: NextAuthOptions | undefined;

/** next-auth configuration: e-mail + password, JWT sessions. Built lazily so builds need no secrets. */
export function authOptions(): NextAuthOptions {
  options ??= {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          try {
            const user = await authenticate(await getDb(), { email: credentials?.email, password: credentials?.password });
            return { id: user.id, email: user.email, name: user.name };
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
      jwt({ token, user }) {
        if (user) token.uid = user.id;
        return token;
      },
      session({ session, token }) {
        if (session.user && typeof token.uid === "string") (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
  };
  return options;
}
