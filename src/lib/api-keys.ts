import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { z } from "zod";
import { matchesHash, randomToken, sha256Hex } from "@/lib/crypto";
import type { Db } from "@/lib/db";
import { apiKeys } from "@/lib/db/schema";

/**
 * API keys. A key is a kind prefix + 32 random bytes (base64url, 43 chars); it is shown once, then
 * only its prefix. The database keeps the SHA-256 hash; authentication selects the candidates by
 * prefix and compares hashes in constant time. Two kinds share this mechanism: bridge keys for phone
 * apps (`hb_live_`, may only write through the ingest endpoint) and personal access tokens for the
 * read-only FHIR API (`hb_fhir_`); a key of one kind is never accepted for the other.
 */

export type ApiKeyKind = "ingest" | "fhir";
export const KEY_PREFIXES: Record<ApiKeyKind, string> = { ingest: "hb_live_", fhir: "hb_fhir_" };
export const KEY_PREFIX = KEY_PREFIXES.ingest;
const RANDOM_BYTES = 32;
const RANDOM_CHARS = 43; // base64url of 32 bytes, no padding
/** Characters of the random part kept as the visible prefix (36 bits: enough to tell keys apart). */
const VISIBLE_CHARS = 6;
const keyPattern = (kind: ApiKeyKind) => new RegExp(`^${KEY_PREFIXES[kind]}[A-Za-z0-9_-]{${RANDOM_CHARS}}$`);
const KEY_PATTERNS: Record<ApiKeyKind, RegExp> = { ingest: keyPattern("ingest"), fhir: keyPattern("fhir") };
/** last_used_at is written at most this often per key, so busy phones don't write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
export const MAX_KEYS_PER_USER = 20;

export const keyNameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name, for example “iPhone”.")
  .max(60, "Key names are at most 60 characters.");

export class ApiKeyError extends Error {
  constructor(
    public readonly code: "invalid_name" | "too_many" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "ApiKeyError";
  }
}

export type ApiKeySummary = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
};

export type CreatedApiKey = ApiKeySummary & { key: string };

/** Both prefixes are 8 characters, so the visible part has the same length for every kind. */
export const visiblePrefix = (key: string) => key.slice(0, KEY_PREFIX.length + VISIBLE_CHARS);

/** Creates a key; the returned `key` is the only time the secret exists in plaintext. */
export async function createApiKey(db: Db, userId: string, name: unknown, kind: ApiKeyKind = "ingest"): Promise<CreatedApiKey> {
  const parsed = keyNameSchema.safeParse(name);
  if (!parsed.success) throw new ApiKeyError("invalid_name", parsed.error.issues[0].message);
  const active = await listApiKeys(db, userId, kind);
  if (active.length >= MAX_KEYS_PER_USER)
    throw new ApiKeyError("too_many", `At most ${MAX_KEYS_PER_USER} keys; revoke one you no longer use.`);
  const key = KEY_PREFIXES[kind] + randomToken(RANDOM_BYTES);
  const [row] = await db
    .insert(apiKeys)
    .values({ userId, name: parsed.data, prefix: visiblePrefix(key), hash: sha256Hex(key), kind })
    .returning();
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt, lastUsedAt: null, key };
}

/** The user's active (not revoked) keys of one kind, newest first. */
export async function listApiKeys(db: Db, userId: string, kind: ApiKeyKind = "ingest"): Promise<ApiKeySummary[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.kind, kind), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt));
}

/** Revokes one of the user's keys; another user's key id is "not found". */
export async function revokeApiKey(db: Db, userId: string, keyId: string, now = new Date(), kind: ApiKeyKind = "ingest"): Promise<void> {
  if (!z.uuid().safeParse(keyId).success) throw new ApiKeyError("not_found", "No such key.");
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), eq(apiKeys.kind, kind), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (!rows.length) throw new ApiKeyError("not_found", "No such key (or it was already revoked).");
}

export type AuthenticatedKey = { keyId: string; userId: string };

/** The active key matching `presented`, or null. Malformed input never reaches the database. */
export async function authenticateApiKey(
  db: Db,
  presented: string,
  now = new Date(),
  kind: ApiKeyKind = "ingest",
): Promise<AuthenticatedKey | null> {
  if (!KEY_PATTERNS[kind].test(presented)) return null;
  const candidates = await db
    .select({ id: apiKeys.id, userId: apiKeys.userId, hash: apiKeys.hash })
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, visiblePrefix(presented)), eq(apiKeys.kind, kind), isNull(apiKeys.revokedAt)));
  let match: (typeof candidates)[number] | undefined;
  // Compare against every candidate, so the time taken does not depend on which one matched.
  for (const c of candidates) if (matchesHash(presented, c.hash) && !match) match = c;
  if (!match) return null;
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, match.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS))),
      ),
    );
  return { keyId: match.id, userId: match.userId };
}
