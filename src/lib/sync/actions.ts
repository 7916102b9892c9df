"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getSessionUser } from "@/lib/auth/session";
import { findConnection } from "@/lib/connections/store";
import { getDb } from "@/lib/db";
import { PROVIDER_IDS, providers, pullProvider } from "@/lib/providers";
import { enqueueSync, SyncRequestError } from "./enqueue";

const syncNowInput = z.object({ provider: z.enum(PROVIDER_IDS, { message: "unknown provider" }) });

export type SyncNowResult = { ok: true; runId: string } | { ok: false; error: string };

/**
 * "Sync now" on a settings card: queues a manual run for the signed-in user's connection to
 * `provider`. Takes `{provider}`, a provider id, or a FormData with a `provider` field (also as
 * useActionState's (prevState, formData)).
 */
export async function syncNowAction(first: unknown, second?: unknown): Promise<SyncNowResult> {
  const raw = second instanceof FormData ? second : first;
  const input = raw instanceof FormData ? Object.fromEntries(raw.entries()) : typeof raw === "string" ? { provider: raw } : raw;
  const parsed = syncNowInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => i.message).join("; ") };
  const { provider } = parsed.data;

  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Your session has ended: sign in again." };
  const name = providers[provider].name;
  if (!pullProvider(provider)?.fetcher) return { ok: false, error: `${name} sends its data by itself; there is nothing to sync by hand.` };

  const db = await getDb();
  const connection = await findConnection(db, user.id, provider);
  if (!connection) return { ok: false, error: `${name} is not connected.` };
  if (connection.status !== "active") return { ok: false, error: `${name} needs to be reconnected first.` };
  try {
    const { runId } = await enqueueSync(db, { connectionId: connection.id, trigger: "manual" });
    revalidatePath("/dashboard/settings");
    return { ok: true, runId };
  } catch (error) {
    if (error instanceof SyncRequestError) return { ok: false, error: error.message };
    throw error;
  }
}
