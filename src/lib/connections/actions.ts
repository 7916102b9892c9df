"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userAction } from "@/lib/actions";
import { PROVIDER_IDS } from "@/lib/providers/types";
import { disconnect } from "./disconnect";

const disconnectInput = z.object({
  provider: z.enum(PROVIDER_IDS, { message: "unknown provider" }),
  deleteData: z
    .union([z.boolean(), z.enum(["on", "true", "1", "false", "0", ""])])
    .optional()
    .transform((v) => v === true || v === "on" || v === "true" || v === "1"),
});

/**
 * Server action: disconnect a provider for the signed-in user. Takes `{provider, deleteData}` or a
 * FormData with those fields; usable as `<form action>` or through useActionState (prevState, formData).
 */
export const disconnectProvider = userAction("disconnect", disconnectInput, async ({ user, db }, { provider, deleteData }) => {
  const result = await disconnect(db, user.id, provider, { deleteData });
  revalidatePath("/dashboard/settings");
  return { ok: true as const, provider, ...result };
});

export type DisconnectActionResult = Awaited<ReturnType<typeof disconnectProvider>>;
