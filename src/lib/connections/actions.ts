"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { PROVIDER_IDS } from "@/lib/providers/types";
import { disconnect } from "./disconnect";

const disconnectInput = z.object({
  provider: z.enum(PROVIDER_IDS, { message: "unknown provider" }),
  deleteData: z
    .union([z.boolean(), z.enum(["on", "true", "1", "false", "0", ""])])
    .optional()
    .transform((v) => v === true || v === "on" || v === "true" || v === "1"),
});

export type DisconnectActionResult =
  | { ok: true; provider: string; disconnected: boolean; revoked: boolean; revokeError?: string; dataDeleted: boolean }
  | { ok: false; error: string };

/**
 * Server action: disconnect a provider for the signed-in user. Takes `{provider, deleteData}` or a
 * FormData with those fields; usable as `<form action>` or through useActionState (prevState, formData).
 */
export async function disconnectProvider(first: unknown, second?: unknown): Promise<DisconnectActionResult> {
  const raw = second instanceof FormData ? second : first;
  const input = raw instanceof FormData ? Object.fromEntries(raw.entries()) : raw;
  const parsed = disconnectInput.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") };

  const user = await getSessionUser();
  if (!user) return { ok: false, error: "Not signed in" };

  const result = await disconnect(await getDb(), user.id, parsed.data.provider, { deleteData: parsed.data.deleteData });
  revalidatePath("/dashboard/settings");
  return { ok: true, provider: parsed.data.provider, ...result };
}
