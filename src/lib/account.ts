import { and, eq, like } from "drizzle-orm";
import { disconnect, type DisconnectResult } from "@/lib/connections/disconnect";
import type { Db } from "@/lib/db";
import { env } from "@/lib/env";
import { fhirExportBundle } from "@/lib/fhir/export";
import {
  activities,
  dailyValues,
  reconciledActivities,
  reconciledSleep,
  sourcePriority,
  apiKeys,
  dailySummaries,
  loginAttempts,
  measurements,
  providerConnections,
  rawRecords,
  sleepSessions,
  syncRuns,
  syncState,
  users,
  webhookEvents,
} from "@/lib/db/schema";

/**
 * "Your account": everything we hold about a user as one JSON document, and deleting it all.
 * Secrets never leave: no password hash, no provider tokens (not even sealed), no API-key hashes.
 */

export const EXPORT_FORMAT = "healthbridge-export/1";

export async function exportAccount(db: Db, userId: string, now = new Date(), fhirBase = new URL("/api/fhir", env().APP_URL).toString()) {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, createdAt: users.createdAt })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) return null;
  const connections = await db
    .select({
      id: providerConnections.id,
      provider: providerConnections.provider,
      authKind: providerConnections.authKind,
      providerUserId: providerConnections.providerUserId,
      displayName: providerConnections.displayName,
      status: providerConnections.status,
      scopes: providerConnections.scopes,
      meta: providerConnections.meta,
      lastError: providerConnections.lastError,
      connectedAt: providerConnections.connectedAt,
      updatedAt: providerConnections.updatedAt,
    })
    .from(providerConnections)
    .where(eq(providerConnections.userId, userId));
  const keys = await db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      kind: apiKeys.kind,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId));
  const notices = await db
    .select({
      id: webhookEvents.id,
      provider: webhookEvents.provider,
      status: webhookEvents.status,
      reason: webhookEvents.reason,
      body: webhookEvents.body,
      receivedAt: webhookEvents.receivedAt,
      processedAt: webhookEvents.processedAt,
    })
    .from(webhookEvents)
    .where(eq(webhookEvents.userId, userId));
  const all = <
    T extends
      | typeof activities
      | typeof sleepSessions
      | typeof dailySummaries
      | typeof measurements
      | typeof rawRecords
      | typeof syncState
      | typeof syncRuns
      | typeof dailyValues
      | typeof reconciledActivities
      | typeof reconciledSleep
      | typeof sourcePriority,
  >(
    table: T,
  ) => db.select().from(table as typeof activities).where(eq((table as typeof activities).userId, userId));
  return {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    user,
    connections,
    apiKeys: keys,
    activities: await all(activities),
    sleepSessions: await all(sleepSessions),
    dailySummaries: await all(dailySummaries),
    measurements: await all(measurements),
    rawRecords: await all(rawRecords),
    syncState: await all(syncState),
    syncRuns: await all(syncRuns),
    webhookEvents: notices,
    // The reconciled record (one value per day and metric, one row per workout and night) and the source order.
    dailyValues: await all(dailyValues),
    reconciledActivities: await all(reconciledActivities),
    reconciledSleep: await all(reconciledSleep),
    sourcePriority: await all(sourcePriority),
    /** The same record as FHIR R4 resources (what /api/fhir serves), for importing elsewhere. */
    fhir: await fhirExportBundle(db, userId, fhirBase, now),
  };
}

export type DeleteResult = { deleted: boolean; providers: Array<{ provider: string } & DisconnectResult> };

/**
 * Deletes the account: every connection is disconnected first through the usual path (revoked at
 * the provider, best effort, data deleted), then the user row, which cascades to keys, sync
 * bookkeeping, notices and any data left. The caller has checked the password.
 */
export async function deleteAccount(db: Db, userId: string): Promise<DeleteResult> {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!user) return { deleted: false, providers: [] };
  const connections = await db
    .select({ provider: providerConnections.provider })
    .from(providerConnections)
    .where(eq(providerConnections.userId, userId));
  const results: DeleteResult["providers"] = [];
  for (const { provider } of connections) results.push({ provider, ...(await disconnect(db, userId, provider, { deleteData: true })) });
  await db.transaction(async (tx) => {
    for (const table of [activities, sleepSessions, dailySummaries, measurements, rawRecords])
      await tx.delete(table).where(eq(table.userId, userId));
    await tx.delete(loginAttempts).where(like(loginAttempts.key, `pair:${user.email.replace(/[\\%_]/g, "\\$&")}|%`));
    await tx.delete(users).where(and(eq(users.id, userId)));
  });
  return { deleted: true, providers: results };
}
