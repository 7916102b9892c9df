"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionFailure, userAction } from "@/lib/actions";
import { configuredFhirServer } from "@/lib/destinations/fhir/api";
import { setFhirExportConsent } from "@/lib/destinations/fhir/push";

/** Settings → "Export to a FHIR server": the user's own switch (off unless they turn it on). */
export const fhirExportConsentAction = userAction(
  "set FHIR export consent",
  z.object({ enabled: z.enum(["on", "off"], { message: "Turn it on or off." }) }),
  async ({ user, db }, { enabled }): Promise<{ ok: true; enabled: boolean } | ActionFailure> => {
    if (!configuredFhirServer()) return { ok: false, error: "This server has no FHIR export configured." };
    await setFhirExportConsent(db, user.id, enabled === "on");
    revalidatePath("/dashboard/settings");
    return { ok: true, enabled: enabled === "on" };
  },
);

export type FhirExportConsentState = Awaited<ReturnType<typeof fhirExportConsentAction>> | null;
