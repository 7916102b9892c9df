import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db";
import type { ProviderConnection } from "@/lib/db/schema";
import { env } from "@/lib/env";
import { isProviderId, providers, type ProviderDefinition, type ProviderId } from "@/lib/providers";
import { providerContext, providerFetch } from "@/lib/providers/shared/http";
import type { ProviderContext } from "@/lib/providers/types";
import { UnknownProviderError } from "./errors";
import { saveConnection } from "./store";

/**
 * Connections without an OAuth redirect: a pasted API key (Hevy) or an account sign-in (Eight
 * Sleep). The key is checked with one real call before it is stored (sealed, as the access token);
 * the password is exchanged for tokens and then dropped — it is never stored or logged.
 */

/** Input the user typed is malformed (answer 400 with the message). */
export class CredentialsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsInputError";
  }
}

const apiKeyInput = z
  .string({ message: "Paste the API key." })
  .trim()
  .min(8, "That API key looks too short: paste the whole key.")
  .max(512, "That API key is too long.")
  .regex(/^\S+$/, "An API key has no spaces: paste it again.");

const passwordInput = z.object({
  email: z.email({ message: "Enter the e-mail address of your account." }).max(320),
  password: z.string({ message: "Enter your password." }).min(1, "Enter your password.").max(1024, "That password is too long."),
});

function definition<K extends "api_key" | "password">(provider: string, kind: K): Extract<ProviderDefinition, { authKind: K }> {
  if (!isProviderId(provider)) throw new UnknownProviderError(provider);
  const def = providers[provider];
  if (def.authKind !== kind) throw new CredentialsInputError(`${def.name} is not connected with ${kind === "api_key" ? "an API key" : "a password"}.`);
  return def as Extract<ProviderDefinition, { authKind: K }>;
}

/** Context for a provider without app credentials (Hevy): still the origin rewrite and timeouts. */
export function keyOnlyContext(id: ProviderId, userId?: string): ProviderContext {
  const appUrl = env().APP_URL.replace(/\/+$/, "");
  return {
    fetch: ((input: string | URL | Request, init?: RequestInit) => providerFetch(input, { ...init, provider: id })) as typeof fetch,
    clientId: "",
    clientSecret: "",
    redirectUri: `${appUrl}/api/oauth/callback`,
    appUrl,
    providerId: id,
    userId,
  };
}

/** SHA-256 of a pasted key: keys are long random strings, so a plain hash cannot be reversed. */
export function apiKeyHash(apiKey: string): string {
  return createHash("sha256").update(apiKey.trim()).digest("base64url");
}

/** Verifies `apiKey` with the provider, then stores it sealed. Throws CredentialsRejectedError for a refused key. */
export async function connectWithApiKey(db: Db, userId: string, provider: string, apiKey: unknown): Promise<ProviderConnection> {
  const def = definition(provider, "api_key");
  const parsed = apiKeyInput.safeParse(apiKey);
  if (!parsed.success) throw new CredentialsInputError(parsed.error.issues[0].message);
  const tokens = await def.apiKey.verify(keyOnlyContext(def.id, userId), parsed.data);
  // The key names no account, so its hash is what keeps one key to one user (unique index).
  return saveConnection(db, { userId, provider: def.id, authKind: "api_key", tokens, credentialHash: apiKeyHash(parsed.data) });
}

/**
 * Signs in at the provider with e-mail + password, stores the resulting tokens sealed. The password
 * goes to the provider once and nowhere else. Throws CredentialsRejectedError for a refused sign-in,
 * ProviderNotConfiguredError when the provider's client credentials are missing.
 */
export async function connectWithPassword(db: Db, userId: string, provider: string, credentials: unknown): Promise<ProviderConnection> {
  const def = definition(provider, "password");
  const parsed = passwordInput.safeParse(credentials);
  if (!parsed.success) throw new CredentialsInputError(parsed.error.issues[0].message);
  const tokens = await def.password.login(providerContext(def, { userId }), parsed.data);
  return saveConnection(db, { userId, provider: def.id, authKind: "password", tokens });
}
