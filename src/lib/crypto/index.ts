import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Token encryption: AES-256-GCM. Ciphertext format `v1.<keyId>.<iv>.<tag>.<data>` (base64url parts),
 * so every value names the key that sealed it and keys can be rotated: the first key of the list
 * encrypts, every key decrypts.
 */

export type Keyring = { primary: string; keys: Map<string, Buffer> };

export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptError";
  }
}

export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  let primary = "";
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const idx = part.indexOf(":");
    if (idx <= 0) throw new Error("encryption key entries must be keyId:base64key");
    const id = part.slice(0, idx);
    const key = Buffer.from(part.slice(idx + 1), "base64");
    if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes`);
    if (keys.has(id)) throw new Error(`encryption key id ${id} appears twice`);
    keys.set(id, key);
    primary ||= id;
  }
  if (!primary) throw new Error("no encryption key configured");
  return { primary, keys };
}

export function encrypt(keyring: Keyring, plaintext: string, aad?: string): string {
  const key = keyring.keys.get(keyring.primary)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  if (aad) cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ["v1", keyring.primary, iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(".");
}

export function keyIdOf(ciphertext: string): string {
  const parts = ciphertext.split(".");
  if (parts.length !== 5 || parts[0] !== "v1") throw new DecryptError("not a v1 ciphertext");
  return parts[1];
}

export function decrypt(keyring: Keyring, ciphertext: string, aad?: string): string {
  const [, keyId, iv, tag, data] = ciphertext.split(".");
  const key = keyring.keys.get(keyIdOf(ciphertext));
  if (!key) throw new DecryptError(`no key with id ${keyId} is configured`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    if (aad) decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    // Never echo the ciphertext or plaintext: only say that it failed.
    throw new DecryptError("ciphertext failed authentication (tampered, or wrong key)");
  }
}

/** Re-seals a value under the primary key; returns it unchanged when it already is. */
export function reencrypt(keyring: Keyring, ciphertext: string, aad?: string): string {
  if (keyIdOf(ciphertext) === keyring.primary) return ciphertext;
  return encrypt(keyring, decrypt(keyring, ciphertext, aad), aad);
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hex digest. */
export function matchesHash(presented: string, storedHex: string): boolean {
  const a = Buffer.from(sha256Hex(presented), "hex");
  const b = Buffer.from(storedHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
