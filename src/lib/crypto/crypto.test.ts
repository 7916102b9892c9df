import { describe, expect, it } from "vitest";
import { decrypt, DecryptError, encrypt, keyIdOf, matchesHash, parseKeyring, reencrypt, sha256Hex } from "./index";

const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

describe("token encryption", () => {
  const ring = parseKeyring(`new:${key(2)},old:${key(1)}`);

  it("round-trips and never leaves the plaintext in the ciphertext", () => {
    const token = "access-token-123456";
    const sealed = encrypt(ring, token);
    expect(sealed).not.toContain(token);
    expect(sealed.startsWith("v1.new.")).toBe(true);
    expect(decrypt(ring, sealed)).toBe(token);
    expect(encrypt(ring, token)).not.toBe(sealed); // random IV
  });

  it("detects tampering in every part", () => {
    const sealed = encrypt(ring, "secret-value");
    const parts = sealed.split(".");
    for (const i of [2, 3, 4]) {
      const tampered = [...parts];
      const chars = tampered[i].split("");
      chars[0] = chars[0] === "A" ? "B" : "A";
      tampered[i] = chars.join("");
      expect(() => decrypt(ring, tampered.join("."))).toThrow(DecryptError);
    }
    expect(() => decrypt(ring, sealed, "other-aad")).toThrow(DecryptError);
  });

  it("rotates: old keys decrypt, the first key encrypts, reencrypt moves values to it", () => {
    const oldRing = parseKeyring(`old:${key(1)}`);
    const legacy = encrypt(oldRing, "refresh-token");
    expect(keyIdOf(legacy)).toBe("old");
    expect(decrypt(ring, legacy)).toBe("refresh-token");
    const moved = reencrypt(ring, legacy);
    expect(keyIdOf(moved)).toBe("new");
    expect(decrypt(ring, moved)).toBe("refresh-token");
    expect(reencrypt(ring, moved)).toBe(moved);
    const retired = parseKeyring(`new:${key(2)}`);
    expect(() => decrypt(retired, legacy)).toThrow(/no key with id old/);
  });

  it("rejects malformed key lists", () => {
    expect(() => parseKeyring("k1:short")).toThrow(/32 bytes/);
    expect(() => parseKeyring(`a:${key(1)},a:${key(2)}`)).toThrow(/twice/);
    expect(() => parseKeyring("")).toThrow(/no encryption key/);
  });
});

describe("API key hashing", () => {
  it("matches only the right key", () => {
    const stored = sha256Hex("hb_live_abc");
    expect(matchesHash("hb_live_abc", stored)).toBe(true);
    expect(matchesHash("hb_live_abd", stored)).toBe(false);
    expect(matchesHash("hb_live_abc", "00")).toBe(false);
  });
});
