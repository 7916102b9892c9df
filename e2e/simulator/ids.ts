import { createHash, randomBytes } from "node:crypto";

/**
 * Deterministic identities: a simulated account name (what a test types into the "Account" field)
 * always maps to the same provider user id, so tests can act as several distinct provider users.
 */

function digest(seed: string): Buffer {
  return createHash("sha256").update(seed, "utf8").digest();
}

/** An integer in [min, max] derived from the seed. */
export function seededInt(seed: string, min: number, max: number): number {
  const d = digest(seed);
  const n = d.readUInt32BE(0) * 2 ** 16 + d.readUInt16BE(4); // 48 bits, exact in a double
  return min + (n % (max - min + 1));
}

/** `length` lowercase hex characters derived from the seed. */
export function seededHex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += digest(`${seed}#${i}`).toString("hex");
  return out.slice(0, length);
}

/** `length` characters of [0-9A-Z] derived from the seed (like Fitbit's encoded user ids). */
export function seededAlnum(seed: string, length: number): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bytes = digest(seed);
  return Array.from({ length }, (_, i) => alphabet[bytes[i] % alphabet.length]).join("");
}

/** A UUID-shaped (version 4 layout) id derived from the seed. */
export function seededUuid(seed: string): string {
  const h = seededHex(seed, 32).split("");
  h[12] = "4";
  h[16] = "89ab"[parseInt(h[16], 16) % 4];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** An opaque random token (hex). */
export function randomHex(bytes = 20): string {
  return randomBytes(bytes).toString("hex");
}

/** "athlete-1" → "Athlete-1": a display first name for a simulated account. */
export function displayFirstName(account: string): string {
  return account.charAt(0).toUpperCase() + account.slice(1);
}
