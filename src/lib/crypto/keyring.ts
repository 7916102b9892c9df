import { env } from "@/lib/env";
import { decrypt, encrypt, parseKeyring, type Keyring } from "./index";

let keyring: Keyring | undefined;

export function appKeyring(): Keyring {
  keyring ??= parseKeyring(env().TOKEN_ENCRYPTION_KEYS);
  return keyring;
}

export const sealToken = (plaintext: string) => encrypt(appKeyring(), plaintext);
export const openToken = (ciphertext: string) => decrypt(appKeyring(), ciphertext);
export const sealOptional = (plaintext: string | null | undefined) => (plaintext ? sealToken(plaintext) : null);
