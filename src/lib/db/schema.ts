import type { ProviderId } from "@/lib/providers/ids";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const WEEK_STARTS = ["monday", "sunday"] as const;
export type WeekStart = (typeof WEEK_STARTS)[number];

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => tz("created_at").notNull().defaultNow();
const updatedAt = () => tz("updated_at").notNull().defaultNow();
/** A JSON object column (connection meta). */
type JsonObject = Record<string, unknown>;
const rawJson = () => jsonb("raw").notNull().default(sql`'{}'::jsonb`);

/** What a workout measured: the per-source row and the reconciled one share these columns. */
const workoutMeasures = () => ({
  durationS: doublePrecision("duration_s"),
  movingS: doublePrecision("moving_s"),
  distanceM: doublePrecision("distance_m"),
  energyKcal: doublePrecision("energy_kcal"),
  avgHr: doublePrecision("avg_hr"),
  maxHr: doublePrecision("max_hr"),
  elevationGainM: doublePrecision("elevation_gain_m"),
  steps: bigint("steps", { mode: "number" }),
});

/** What a night measured, shared the same way. */
const nightMeasures = () => ({
  inBedS: doublePrecision("in_bed_s"),
  asleepS: doublePrecision("asleep_s"),
  deepS: doublePrecision("deep_s"),
  lightS: doublePrecision("light_s"),
  remS: doublePrecision("rem_s"),
  awakeS: doublePrecision("awake_s"),
  efficiencyPct: doublePrecision("efficiency_pct"),
  avgHr: doublePrecision("avg_hr"),
  minHr: doublePrecision("min_hr"),
  hrvRmssdMs: doublePrecision("hrv_rmssd_ms"),
  hrvSdnnMs: doublePrecision("hrv_sdnn_ms"),
  score: doublePrecision("score"),
});

// ───────────────────────── auth (next-auth adapter shapes; sessions are JWT) ─────────────────────────

export const users = pgTable("user", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name"),
  emailVerified: tz("email_verified"),
  image: text("image"),
  passwordHash: text("password_hash"),
  /**
   * Sessions are JWTs (no server row to delete): each carries the version it was issued under, and
   * one whose version is no longer this is refused. Sign-out and password change bump it.
   */
  sessionVersion: integer("session_version").notNull().default(0),
  /** Home IANA time zone: the local day of records whose source gives no offset or zone. */
  timeZone: text("time_zone").notNull().default("UTC"),
  /** First day of the week for weekly totals and the overview's "this week". */
  weekStartsOn: text("week_starts_on").notNull().default("monday").$type<WeekStart>(),
  createdAt: createdAt(),
});

export const accounts = pgTable(
  "account",
  {
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    refresh_token: text("refresh_token"),
    access_token: text("access_token"),
    expires_at: integer("expires_at"),
    token_type: text("token_type"),
    scope: text("scope"),
    id_token: text("id_token"),
    session_state: text("session_state"),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index("account_user_idx").on(t.userId)],
);

export const sessions = pgTable("session", {
  sessionToken: text("session_token").primaryKey(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  expires: tz("expires").notNull(),
});

export const verificationTokens = pgTable(
  "verification_token",
  {
    identifier: text("identifier").notNull(),
    token: text("token").notNull(),
    expires: tz("expires").notNull(),
  },
  (t) => [primaryKey({ columns: [t.identifier, t.token] })],
);

/**
 * Sign-in attempts per throttling key (see src/lib/auth/throttle.ts): `pair:<email>|<client>` counts
 * one client's attempts at one account (with backoff), `client:<client>` all of a client's attempts.
 */
export const loginAttempts = pgTable("login_attempt", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStartedAt: tz("window_started_at").notNull().defaultNow(),
  lockedUntil: tz("locked_until"),
});

// ───────────────────────── bridge API keys ─────────────────────────

export const apiKeys = pgTable(
  "api_key",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    /** What the key may do: "ingest" (phone bridges write data) or "fhir" (read-only FHIR API). */
    kind: text("kind").notNull().default("ingest").$type<"ingest" | "fhir">(),
    createdAt: createdAt(),
    lastUsedAt: tz("last_used_at"),
    revokedAt: tz("revoked_at"),
  },
  (t) => [uniqueIndex("api_key_hash_uq").on(t.hash), index("api_key_user_idx").on(t.userId)],
);

// ───────────────────────── provider connections ─────────────────────────

export const connectionStatus = pgEnum("connection_status", ["active", "needs_reauth", "revoked", "error"]);

export const providerConnections = pgTable(
  "provider_connection",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().$type<ProviderId>(),
    /** Which protocol produced the tokens, e.g. Garmin "oauth1" vs "oauth2". */
    authKind: text("auth_kind").notNull(),
    providerUserId: text("provider_user_id"),
    displayName: text("display_name"),
    status: connectionStatus("status").notNull().default("active"),
    accessTokenEnc: text("access_token_enc"),
    refreshTokenEnc: text("refresh_token_enc"),
    tokenSecretEnc: text("token_secret_enc"),
    expiresAt: tz("expires_at"),
    scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
    /** Non-secret provider extras (e.g. Polar member id, Eight Sleep device id). */
    meta: jsonb("meta").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    lastError: text("last_error"),
    lastRefreshedAt: tz("last_refreshed_at"),
    /** SHA-256 of a pasted API key (Hevy): that key has no account id, so this is what stays unique. */
    credentialHash: text("credential_hash"),
    connectedAt: tz("connected_at").notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("provider_connection_user_provider_uq").on(t.userId, t.provider),
    uniqueIndex("provider_connection_provider_user_uq").on(t.provider, t.providerUserId),
    uniqueIndex("provider_connection_provider_credential_uq").on(t.provider, t.credentialHash),
  ],
);

/** Single-use OAuth `state`, bound to the user who started the flow. */
export const oauthStates = pgTable(
  "oauth_state",
  {
    state: text("state").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** A provider id, or "beeminder" (a destination's connect flow). */
    provider: text("provider").notNull().$type<ProviderId | "beeminder">(),
    codeVerifier: text("code_verifier"),
    createdAt: createdAt(),
    expiresAt: tz("expires_at").notNull(),
    usedAt: tz("used_at"),
  },
  (t) => [index("oauth_state_user_idx").on(t.userId)],
);

// ───────────────────────── sync bookkeeping ─────────────────────────

export const syncState = pgTable(
  "sync_state",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => providerConnections.id, { onDelete: "cascade" }),
    resource: text("resource").notNull(),
    /** Delta watermark: everything up to here has been fetched. */
    watermark: tz("watermark"),
    cursor: jsonb("cursor").$type<Record<string, string | number>>(),
    backfillFrom: tz("backfill_from"),
    /** Backfill walks newest → oldest; this is the oldest instant already fetched. */
    backfillReachedAt: tz("backfill_reached_at"),
    backfillDone: boolean("backfill_done").notNull().default(false),
    lastSuccessAt: tz("last_success_at"),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("sync_state_user_connection_resource_uq").on(t.userId, t.connectionId, t.resource)],
);

export const syncTrigger = pgEnum("sync_trigger", ["manual", "schedule", "webhook", "connect"]);
export const syncRunStatus = pgEnum("sync_run_status", ["queued", "running", "succeeded", "failed", "rescheduled"]);

export const syncRuns = pgTable(
  "sync_run",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => providerConnections.id, { onDelete: "cascade" }),
    trigger: syncTrigger("trigger").notNull(),
    status: syncRunStatus("status").notNull().default("queued"),
    resources: text("resources").array(),
    windowFrom: tz("window_from"),
    windowTo: tz("window_to"),
    fetched: integer("fetched").notNull().default(0),
    inserted: integer("inserted").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    progress: jsonb("progress").notNull().default(sql`'{}'::jsonb`),
    error: text("error"),
    runAfter: tz("run_after").notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    heartbeatAt: tz("heartbeat_at"),
    queuedAt: tz("queued_at").notNull().defaultNow(),
    startedAt: tz("started_at"),
    finishedAt: tz("finished_at"),
    durationMs: integer("duration_ms"),
    /** What the run asks for (mode, resources, window), set by createRun; see the index below. */
    requestKey: text("request_key"),
  },
  (t) => [
    index("sync_run_connection_idx").on(t.connectionId, t.queuedAt),
    index("sync_run_status_idx").on(t.status, t.runAfter),
    // The card's "last successful sync": newest finished success of a connection, whatever its run count.
    index("sync_run_connection_succeeded_idx").on(t.connectionId, t.finishedAt).where(sql`${t.status} = 'succeeded'`),
    // At most one waiting or running run per connection and request: concurrent "Sync now" clicks
    // collapse into one run, enforced here rather than by a check-then-insert race.
    uniqueIndex("sync_run_one_live_per_request_uq")
      .on(t.connectionId, t.requestKey)
      .where(sql`${t.status} in ('queued', 'running', 'rescheduled')`),
  ],
);

/** Shared request budget per provider and time window, so several processes respect one rate limit. */
export const rateBudget = pgTable(
  "rate_budget",
  {
    provider: text("provider").notNull(),
    window: text("window").notNull(),
    windowStart: tz("window_start").notNull(),
    used: integer("used").notNull().default(0),
    blockedUntil: tz("blocked_until"),
  },
  (t) => [primaryKey({ columns: [t.provider, t.window] })],
);

// ───────────────────────── normalized health data ─────────────────────────
// SI units in columns (s, m, kg, kcal, bpm, ms); instants are timestamptz; `local_date` is the
// user's own day from the record's offset (sleep: the day you wake up).

export const activities = pgTable(
  "activity",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().$type<ProviderId>(),
    externalId: text("external_id").notNull(),
    type: text("type").notNull(),
    name: text("name"),
    startAt: tz("start_at").notNull(),
    endAt: tz("end_at"),
    localDate: date("local_date", { mode: "string" }).notNull(),
    utcOffsetMinutes: integer("utc_offset_minutes"),
    ...workoutMeasures(),
    source: text("source"),
    /** Heart-rate series and route, when the source sends them. */
    samples: jsonb("samples"),
    deletedAt: tz("deleted_at"),
    raw: rawJson(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("activity_user_provider_external_uq").on(t.userId, t.provider, t.externalId),
    index("activity_user_start_idx").on(t.userId, t.startAt),
    index("activity_user_date_idx").on(t.userId, t.localDate),
  ],
);

export const sleepSessions = pgTable(
  "sleep_session",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().$type<ProviderId>(),
    externalId: text("external_id").notNull(),
    startAt: tz("start_at").notNull(),
    endAt: tz("end_at").notNull(),
    localDate: date("local_date", { mode: "string" }).notNull(),
    utcOffsetMinutes: integer("utc_offset_minutes"),
    ...nightMeasures(),
    isNap: boolean("is_nap").notNull().default(false),
    source: text("source"),
    deletedAt: tz("deleted_at"),
    raw: rawJson(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("sleep_session_user_provider_external_uq").on(t.userId, t.provider, t.externalId),
    index("sleep_session_user_date_idx").on(t.userId, t.localDate),
  ],
);

export const dailySummaries = pgTable(
  "daily_summary",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().$type<ProviderId>(),
    date: date("date", { mode: "string" }).notNull(),
    /** A day's sum of accepted points: each is plausible, their sum may still pass 2^31. */
    steps: bigint("steps", { mode: "number" }),
    distanceM: doublePrecision("distance_m"),
    activeEnergyKcal: doublePrecision("active_energy_kcal"),
    totalEnergyKcal: doublePrecision("total_energy_kcal"),
    restingHr: doublePrecision("resting_hr"),
    avgHr: doublePrecision("avg_hr"),
    hrvRmssdMs: doublePrecision("hrv_rmssd_ms"),
    hrvSdnnMs: doublePrecision("hrv_sdnn_ms"),
    readinessScore: doublePrecision("readiness_score"),
    recoveryScore: doublePrecision("recovery_score"),
    strain: doublePrecision("strain"),
    sleepScore: doublePrecision("sleep_score"),
    sleepS: doublePrecision("sleep_s"),
    spo2Pct: doublePrecision("spo2_pct"),
    weightKg: doublePrecision("weight_kg"),
    /** One key per contributing source/resource, so merges keep every part. */
    raw: rawJson(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("daily_summary_user_provider_date_uq").on(t.userId, t.provider, t.date),
    // Reads by day range across providers (the overview's scores); the unique key leads with provider.
    index("daily_summary_user_date_idx").on(t.userId, t.date),
  ],
);

export const measurements = pgTable(
  "measurement",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /**
     * References user.id with ON DELETE CASCADE, enforced by triggers instead of a foreign key: the
     * foreign key's check runs once per row, the triggers once per statement (drizzle/0008_measurement_user_triggers.sql).
     */
    userId: uuid("user_id").notNull(),
    provider: text("provider").notNull().$type<ProviderId>(),
    /** e.g. weight, fat_ratio, bp_systolic, heart_rate, hrv_sdnn, hrv_rmssd, spo2, glucose. */
    type: text("type").notNull(),
    measuredAt: tz("measured_at").notNull(),
    /** End of an interval sample (steps 10:00–10:05); null for a point in time. */
    endAt: tz("end_at"),
    /** The local day from the record's own offset, else the user's home zone (filled on write). */
    localDate: date("local_date", { mode: "string" }),
    /** The offset the source gave; null when the local day came from the home zone. */
    utcOffsetMinutes: integer("utc_offset_minutes"),
    value: doublePrecision("value").notNull(),
    unit: text("unit").notNull(),
    /** Device or app inside the provider ("Apple Watch", "iPhone"): iPhone and Watch samples of one minute are two rows. */
    source: text("source"),
    raw: jsonb("raw"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("measurement_user_provider_type_time_source_uq")
      .on(t.userId, t.provider, t.type, t.measuredAt, t.source)
      .nullsNotDistinct(),
    index("measurement_user_type_time_idx").on(t.userId, t.type, t.measuredAt),
    index("measurement_user_date_type_idx").on(t.userId, t.localDate, t.type),
    // The FHIR export's incremental pass and its due check look for a user's readings updated since a cursor.
    index("measurement_user_updated_idx").on(t.userId, t.updatedAt),
  ],
);

/** Every fetched or pushed record as received, so data can be re-normalized without refetching. */
export const rawRecords = pgTable(
  "raw_record",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().$type<ProviderId>(),
    resource: text("resource").notNull(),
    externalId: text("external_id").notNull(),
    payload: jsonb("payload").notNull(),
    fetchedAt: tz("fetched_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("raw_record_user_provider_resource_external_uq").on(t.userId, t.provider, t.resource, t.externalId)],
);

export const webhookEventStatus = pgEnum("webhook_event_status", [
  "pending",
  "processing",
  "processed",
  "rejected",
  "ignored",
  "failed",
]);

/** Every inbound provider notice, stored before anything acts on it. */
export const webhookEvents = pgTable(
  "webhook_event",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    provider: text("provider").notNull().$type<ProviderId>(),
    dedupeKey: text("dedupe_key").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id").references(() => providerConnections.id, { onDelete: "set null" }),
    status: webhookEventStatus("status").notNull().default("pending"),
    reason: text("reason"),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull().default(0),
    receivedAt: tz("received_at").notNull().defaultNow(),
    processedAt: tz("processed_at"),
  },
  (t) => [
    uniqueIndex("webhook_event_provider_dedupe_uq").on(t.provider, t.dedupeKey),
    index("webhook_event_status_idx").on(t.status, t.receivedAt),
    // A user's recent deliveries (refused ones on the cards) and a connection's (has any arrived?).
    index("webhook_event_user_received_idx").on(t.userId, t.receivedAt),
    index("webhook_event_connection_received_idx").on(t.connectionId, t.receivedAt),
  ],
);

// ───────────────────────── the reconciled record (src/lib/reconcile) ─────────────────────────
// A layer over the per-source rows above, never a replacement: rebuilt per (user, day) whenever
// data for that day lands or is deleted.

/** Days whose reconciled values are stale; written in the same transaction as the data. */
export const reconcileDirty = pgTable(
  "reconcile_dirty",
  {
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    markedAt: tz("marked_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.date] })],
);

/** The user's own order of sources per metric (provider ids, best first); unlisted ones follow the default. */
export const sourcePriority = pgTable(
  "source_priority",
  {
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    metric: text("metric").notNull(),
    providers: text("providers").array().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.metric] })],
);

/** What one source said about one metric on one day, and whether (and how much of) it was used. */
export type SourceVerdict = {
  provider: ProviderId;
  /** Device or app inside the provider, when it says. */
  source: string | null;
  value: number;
  /** The part of `value` counted in the reconciled value (null: left out). */
  counted: number | null;
  status: "used" | "partly_used" | "left_out";
  reason: string;
};

/** One reconciled value per user, local day and metric, with its provenance. */
export const dailyValues = pgTable(
  "daily_value",
  {
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    metric: text("metric").notNull(),
    value: doublePrecision("value").notNull(),
    unit: text("unit").notNull(),
    sources: jsonb("sources").$type<SourceVerdict[]>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.metric, t.date] }),
    index("daily_value_user_date_idx").on(t.userId, t.date),
    // The destinations' due checks (Beeminder, FHIR export) ask "anything of this user updated since …?".
    index("daily_value_user_updated_idx").on(t.userId, t.updatedAt),
  ],
);

/** One copy of a workout or night inside a reconciled episode. */
export type EpisodeCopy = {
  id: string;
  provider: ProviderId;
  source: string | null;
  /** Fields taken from this copy. */
  fields: string[];
  reason: string;
};

/** One workout, however many sources recorded it: each field from its best copy. */
export const reconciledActivities = pgTable(
  "reconciled_activity",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** The best-ranked copy (its activity row id). */
    primaryId: uuid("primary_id")
      .notNull()
      .references(() => activities.id, { onDelete: "cascade" }),
    localDate: date("local_date", { mode: "string" }).notNull(),
    type: text("type").notNull(),
    name: text("name"),
    startAt: tz("start_at").notNull(),
    endAt: tz("end_at"),
    utcOffsetMinutes: integer("utc_offset_minutes"),
    ...workoutMeasures(),
    copies: jsonb("copies").$type<EpisodeCopy[]>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("reconciled_activity_user_primary_uq").on(t.userId, t.primaryId),
    // The history's keyset order (start_at desc, id desc) in full, so no page sorts.
    index("reconciled_activity_user_start_id_idx").on(t.userId, t.startAt, t.id),
    index("reconciled_activity_user_date_idx").on(t.userId, t.localDate),
    // The type filter's choices, read as a skip scan (one probe per type, see activityFacets).
    index("reconciled_activity_user_type_idx").on(t.userId, t.type),
    // The destinations' due checks (Beeminder, FHIR export): updated since a cursor.
    index("reconciled_activity_user_updated_idx").on(t.userId, t.updatedAt),
  ],
);

/** One night (or nap), however many trackers recorded it. */
export const reconciledSleep = pgTable(
  "reconciled_sleep",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    primaryId: uuid("primary_id")
      .notNull()
      .references(() => sleepSessions.id, { onDelete: "cascade" }),
    localDate: date("local_date", { mode: "string" }).notNull(),
    isNap: boolean("is_nap").notNull(),
    startAt: tz("start_at").notNull(),
    endAt: tz("end_at").notNull(),
    utcOffsetMinutes: integer("utc_offset_minutes"),
    ...nightMeasures(),
    copies: jsonb("copies").$type<EpisodeCopy[]>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("reconciled_sleep_user_primary_uq").on(t.userId, t.primaryId),
    index("reconciled_sleep_user_date_idx").on(t.userId, t.localDate),
    // Latest nights (ordered by when they ended).
    index("reconciled_sleep_user_end_idx").on(t.userId, t.endAt),
    // Beeminder's due check: updated since its last pass.
    index("reconciled_sleep_user_updated_idx").on(t.userId, t.updatedAt),
  ],
);

export type User = typeof users.$inferSelect;
export type ProviderConnection = typeof providerConnections.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;

// ───────────────────────── destinations: Beeminder (beeminder.md) ─────────────────────────

/** A user's Beeminder authorization (app flow: the token arrives in the redirect; no refresh). */
export const beeminderConnections = pgTable(
  "beeminder_connection",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    username: text("username").notNull(),
    accessTokenEnc: text("access_token_enc").notNull(),
    /** SHA-256 of the token: the de-authorization callback names the token, nothing else. */
    tokenHash: text("token_hash").notNull(),
    status: connectionStatus("status").notNull().default("active"),
    /** The Beeminder user's IANA zone (users/me), refreshed on every send. */
    timezone: text("timezone").notNull().default("UTC"),
    /** Why the connection was revoked, or (while active) why the last pass could not get through. */
    lastError: text("last_error"),
    /** Start of the last send pass: data updated after it is due (see push.ts). */
    lastPushedAt: tz("last_pushed_at"),
    /** Passes in a row that Beeminder answered 5xx/429 or that could not reach it; 0 after one gets through. */
    failures: integer("failures").notNull().default(0),
    /** After a failed pass, the next regular pass waits until this instant (exponential backoff). */
    retryAt: tz("retry_at"),
    connectedAt: tz("connected_at").notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("beeminder_connection_user_uq").on(t.userId),
    // One Beeminder account feeds one Healthbridge user: two would send the same goals twice.
    uniqueIndex("beeminder_connection_username_uq").on(t.username),
    index("beeminder_connection_token_idx").on(t.tokenHash),
  ],
);

/** What a goal is fed with (validated by `goalRule` in src/lib/destinations/beeminder/rules.ts). */
export type BeeminderRuleJson = Record<string, unknown>;

/** One Beeminder goal linked to a rule. */
export const beeminderGoalLinks = pgTable(
  "beeminder_goal_link",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    title: text("title"),
    rule: jsonb("rule").$type<BeeminderRuleJson>().notNull(),
    /** Data from this instant on is sent (link time minus the days asked for, or the last rule edit). */
    sendFrom: tz("send_from").notNull(),
    /** The goal's deadline (seconds from midnight, beeminder.md B.5) as last read. */
    deadline: integer("deadline").notNull().default(0),
    lastSentAt: tz("last_sent_at"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("beeminder_goal_link_user_slug_uq").on(t.userId, t.slug)],
);

/** Every datapoint Beeminder accepted for a link, by our requestid (its upsert key, scoped to the goal). */
export const beeminderDatapoints = pgTable(
  "beeminder_datapoint",
  {
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    linkId: uuid("link_id")
      .notNull()
      .references(() => beeminderGoalLinks.id, { onDelete: "cascade" }),
    requestid: text("requestid").notNull(),
    daystamp: text("daystamp").notNull(),
    value: doublePrecision("value").notNull(),
    comment: text("comment").notNull(),
    /** For per-reading points: the instant the point stands for (a later copy within 60 s reuses the id). */
    anchorAt: tz("anchor_at"),
    beeminderId: text("beeminder_id"),
    sentAt: tz("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.linkId, t.requestid] })],
);

// ───────────────────────── destinations: a FHIR server (FHIR_EXPORT_BASE_URL) ─────────────────────────

/** Where a user's export to the configured FHIR server stands (src/lib/destinations/fhir/push.ts). */
export const fhirExports = pgTable("fhir_export", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /**
   * The user's "Send my data to <host>" (Settings), on since this instant; null = off, the default.
   * Only users who turned it on are exported: on a shared instance the operator's server is not theirs.
   */
  consentedAt: tz("consented_at"),
  /** Every Observation updated before this instant is on the server (null: nothing sent yet). */
  exportedThrough: tz("exported_through"),
  /** The pass in progress covers updates in [exportedThrough, passUntil); null between passes. */
  passUntil: tz("pass_until"),
  /** The pass's position in the search order after the last accepted Bundle (a crash resumes here). */
  passAfter: jsonb("pass_after").$type<{ t: number; s: number; k: string }>(),
  /** Observations the server created (a replay answers 200 and is not counted). */
  created: integer("created").notNull().default(0),
  lastExportAt: tz("last_export_at"),
  lastError: text("last_error"),
  failures: integer("failures").notNull().default(0),
  /** After a failure, no attempt before this instant (backoff or the server's Retry-After). */
  retryAt: tz("retry_at"),
  updatedAt: updatedAt(),
});

/** One uploaded file (Apple export, FIT, GPX, TCX): its chunked upload, then its background import. */
export const importJobStatus = pgEnum("import_job_status", ["uploading", "queued", "running", "succeeded", "failed", "cancelled"]);

export const importJobs = pgTable(
  "import_job",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    status: importJobStatus("status").notNull().default("uploading"),
    fileName: text("file_name").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    /** Bytes stored so far in the upload's temp file: where a resumed upload goes on. */
    receivedBytes: bigint("received_bytes", { mode: "number" }).notNull().default(0),
    format: text("format"),
    /** {bytes, totalBytes, records, step} while the import runs. */
    progress: jsonb("progress").notNull().default(sql`'{}'::jsonb`),
    /** ImportSummary once it ends (also after a failure or a cancel: what landed). */
    summary: jsonb("summary"),
    error: text("error"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: tz("started_at"),
    finishedAt: tz("finished_at"),
  },
  (t) => [index("import_job_user_idx").on(t.userId, t.createdAt), index("import_job_status_idx").on(t.status, t.createdAt)],
);
