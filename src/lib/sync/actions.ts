"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userAction } from "@/lib/actions";
import { findConnection } from "@/lib/connections/store";
import { notPulledReason, PROVIDER_IDS, providers } from "@/lib/providers";
import { enqueueSync, SyncRequestError } from "./enqueue";

// A bare provider id is accepted too (`syncNowAction("oura")`).
const syncNowInput = z.preprocess(
  (v) => (typeof v === "string" ? { provider: v } : v),
  z.object({ provider: z.enum(PROVIDER_IDS, { message: "unknown provider" }) }),
);

/**
 * "Sync now" on a settings card: queues a manual run for the signed-in user's connection to
 * `provider`. Takes `{provider}`, a provider id, or a FormData with a `provider` field (also as
 * useActionState's (prevState, formData)).
 */
export const syncNowAction = userAction(
  "sync now",
  syncNowInput,
  async ({ user, db }, { provider }) => {
    const name = providers[provider].name;
    const notPulled = notPulledReason(provider);
    if (notPulled) return { ok: false, error: `${notPulled}.` };
    const connection = await findConnection(db, user.id, provider);
    if (!connection) return { ok: false, error: `${name} is not connected.` };
    if (connection.status !== "active") return { ok: false, error: `${name} needs to be reconnected first.` };
    const { runId } = await enqueueSync(db, { connectionId: connection.id, trigger: "manual" });
    revalidatePath("/dashboard/settings");
    return { ok: true as const, runId };
  },
  { userErrors: [SyncRequestError] },
);

export type SyncNowResult = Awaited<ReturnType<typeof syncNowAction>>;
