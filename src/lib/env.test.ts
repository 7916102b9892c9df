import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

const validKey = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

describe("parseEnv", () => {
  it("starts with zero configuration in development, generating and keeping secrets under the data dir", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hb-env-"));
    const first = parseEnv({ NODE_ENV: "development", DATA_DIR: dir });
    expect(first.NEXTAUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(first.TOKEN_ENCRYPTION_KEYS).toMatch(/^dev1:/);
    expect(first.APP_URL).toBe("http://localhost:3000");
    expect(first.PGLITE_DIR).toBe(".data/pglite");
    expect(first.DATABASE_URL).toBeUndefined();
    const second = parseEnv({ NODE_ENV: "development", DATA_DIR: dir });
    expect(second.NEXTAUTH_SECRET).toBe(first.NEXTAUTH_SECRET);
    expect(second.TOKEN_ENCRYPTION_KEYS).toBe(first.TOKEN_ENCRYPTION_KEYS);
    expect(fs.statSync(path.join(dir, "secrets.json")).mode & 0o077).toBe(0);
  });

  it("in production names every missing or malformed variable in one error", () => {
    let error: unknown;
    try {
      parseEnv({ NODE_ENV: "production", DATA_DIR: "/nonexistent" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toContain("NEXTAUTH_SECRET");
    expect(message).toContain("TOKEN_ENCRYPTION_KEYS");
    expect((error as EnvError).problems).toHaveLength(2);

    try {
      parseEnv({
        NODE_ENV: "production",
        APP_URL: "not a url",
        DATABASE_URL: "mysql://x",
        NEXTAUTH_SECRET: "short",
        TOKEN_ENCRYPTION_KEYS: "nokey",
      });
      expect.unreachable();
    } catch (e) {
      const problems = (e as EnvError).problems.map((p) => p.split(":")[0]).sort();
      expect(problems).toEqual(["APP_URL", "DATABASE_URL", "NEXTAUTH_SECRET", "TOKEN_ENCRYPTION_KEYS"]);
    }
  });

  it("accepts a complete production configuration and treats empty strings as unset", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      APP_URL: "https://health.example.com",
      DATABASE_URL: "postgres://u@db:5432/hb",
      NEXTAUTH_SECRET: "x".repeat(40),
      TOKEN_ENCRYPTION_KEYS: `${validKey}, old:${Buffer.alloc(32, 1).toString("base64")}`,
      TRIGGER_SECRET_KEY: "",
    });
    expect(env.APP_URL).toBe("https://health.example.com");
    expect(env.TRIGGER_SECRET_KEY).toBeUndefined();
    expect(env.INGEST_MAX_BODY_BYTES).toBe(200 * 1024 * 1024);
  });
});
