import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * All configuration, validated once. Development starts with zero configuration: the secrets it
 * needs are generated on first run and kept in `.data/secrets.json` (git-ignored). Production must
 * set them; a bad or missing variable stops start-up with one message naming every problem.
 */

const keyListPattern = /^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{43,44}$/;

const emptyAsUndefined = (v: unknown) => (v === "" ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = (hint: string) => z.preprocess(emptyAsUndefined, z.url({ message: hint }).optional());

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection URL")
      .optional(),
  ),
  PGLITE_DIR: z.string().default(".data/pglite"),
  APP_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ message: "must be the public base URL of the app, e.g. https://health.example.com" }).default("http://localhost:3000"),
  ),
  NEXTAUTH_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 32`)").optional(),
  ),
  TOKEN_ENCRYPTION_KEYS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine(
        (v) => v.split(",").every((k) => keyListPattern.test(k.trim())),
        "must be a comma-separated list of keyId:base64key (32-byte keys; the first encrypts), e.g. k1:$(openssl rand -base64 32)",
      )
      .optional(),
  ),
  TRIGGER_SECRET_KEY: optionalString,
  PROVIDER_ORIGIN_OVERRIDE: optionalUrl("must be an origin such as http://127.0.0.1:4010"),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().positive().default(200 * 1024 * 1024),
  DATA_DIR: z.string().default(".data"),
  /** How far back a first sync goes at most (a provider that keeps less history caps it further). */
  SYNC_BACKFILL_MAX_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().max(36_500).default(3650)),
  /** "off" stops enforcing provider request budgets: local benchmarks against the simulator only. */
  SYNC_RATE_LIMITS: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("on")),
  /** "off" keeps the in-process sync runner from starting with the server. */
  SYNC_RUNNER: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("on")),
  /** How often the in-process runner looks for queued runs. */
  SYNC_POLL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(600_000).default(2000)),
  /** "off" keeps the in-process webhook runner (stored notices → processing) from starting with the server. */
  WEBHOOK_RUNNER: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("on")),
  /** Google sends this whole value as `Authorization` (google-health.md A.10): the scheme is part of it. */
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9._~+/-]* \S{16,}$/, 'must be a whole Authorization value with its scheme, e.g. "Bearer <at least 16 random characters>"')
      .optional(),
  ),
  /** Optional: a FHIR R4 server that receives every user's new Observations (src/lib/destinations/fhir). */
  FHIR_EXPORT_BASE_URL: optionalUrl("must be the FHIR R4 base URL of the server to export to, e.g. https://fhir.example.org/r4"),
  /** Sent as `Authorization: Bearer` to FHIR_EXPORT_BASE_URL. */
  FHIR_EXPORT_TOKEN: optionalString,
});

export type RawEnv = z.infer<typeof envSchema>;
export type Env = RawEnv & { NEXTAUTH_SECRET: string; TOKEN_ENCRYPTION_KEYS: string };

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee README.md → Configuration.`);
    this.name = "EnvError";
  }
}

/** Secrets generated for development, persisted so sessions and encrypted tokens survive restarts. */
function devSecrets(dataDir: string): { NEXTAUTH_SECRET: string; TOKEN_ENCRYPTION_KEYS: string } {
  const file = path.join(dataDir, "secrets.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    const secrets = {
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      TOKEN_ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString("base64")}`,
    };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
    throw new EnvError(problems);
  }
  const env = result.data;
  if (env.FHIR_EXPORT_BASE_URL && !env.FHIR_EXPORT_TOKEN)
    problems.push("FHIR_EXPORT_TOKEN: required with FHIR_EXPORT_BASE_URL (the bearer token the FHIR server gave this app)");
  if (env.FHIR_EXPORT_TOKEN && !env.FHIR_EXPORT_BASE_URL) problems.push("FHIR_EXPORT_BASE_URL: required with FHIR_EXPORT_TOKEN (the server's FHIR R4 base URL)");
  if (problems.length) throw new EnvError(problems);
  if (env.NODE_ENV === "production") {
    if (!env.NEXTAUTH_SECRET)
      problems.push("NEXTAUTH_SECRET: required in production (generate one with `openssl rand -base64 32`)");
    if (!env.TOKEN_ENCRYPTION_KEYS)
      problems.push("TOKEN_ENCRYPTION_KEYS: required in production, e.g. k1:$(openssl rand -base64 32)");
    if (problems.length) throw new EnvError(problems);
    return env as Env;
  }
  const generated = env.NEXTAUTH_SECRET && env.TOKEN_ENCRYPTION_KEYS ? null : devSecrets(env.DATA_DIR);
  return {
    ...env,
    NEXTAUTH_SECRET: env.NEXTAUTH_SECRET ?? generated!.NEXTAUTH_SECRET,
    TOKEN_ENCRYPTION_KEYS: env.TOKEN_ENCRYPTION_KEYS ?? generated!.TOKEN_ENCRYPTION_KEYS,
  };
}

let cached: Env | undefined;

/** The validated configuration. Lazy, so `next build` never needs runtime secrets. */
export function env(): Env {
  if (!cached) {
    cached = parseEnv(process.env);
    // next-auth v4 reads these from process.env in places we don't control.
    process.env.NEXTAUTH_URL ??= cached.APP_URL;
    process.env.NEXTAUTH_SECRET ??= cached.NEXTAUTH_SECRET;
  }
  return cached;
}

/** Provider credentials are read straight from the environment: they are optional and many. */
export function providerVar(name: string): string | undefined {
  const value = process.env[name];
  return value && value.trim() !== "" ? value.trim() : undefined;
}
