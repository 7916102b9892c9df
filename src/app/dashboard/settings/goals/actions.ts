"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getSessionUser, signInUrl } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { disconnectBeeminder } from "@/lib/destinations/beeminder/connection";
import { editGoalRule, GoalLinkError, linkGoal, MAX_BACKFILL_DAYS, unlinkGoal } from "@/lib/destinations/beeminder/links";
import { pushBeeminder } from "@/lib/destinations/beeminder/push";
import { goalRule, type GoalRule } from "@/lib/destinations/beeminder/rules";

/** Server actions of Settings → Goals: plain forms, answered by a redirect carrying the outcome. */

const PAGE = "/dashboard/settings/goals";
const back = (params: Record<string, string>): never => redirect(`${PAGE}?${new URLSearchParams(params)}`);

async function signedIn() {
  const user = await getSessionUser();
  if (!user) redirect(signInUrl(PAGE));
  return { user: user!, db: await getDb() };
}

/** The form's "what to send" select ("measurements", "body:weight", "activity:steps", …) + checkboxes → a rule. */
function ruleFromForm(form: FormData): GoalRule {
  const choice = String(form.get("rule") ?? "measurements");
  const [kind, metric] = choice.split(":");
  const raw =
    kind === "measurements"
      ? { kind, types: form.getAll("types").map(String), providers: form.get("anySource") ? [] : form.getAll("providers").map(String) }
      : { kind, metric };
  const parsed = goalRule.safeParse(raw);
  if (!parsed.success) back({ error: parsed.error.issues.map((i) => i.message).join("; ") });
  return parsed.data!;
}

export async function linkGoalAction(form: FormData): Promise<void> {
  const { user, db } = await signedIn();
  const rule = ruleFromForm(form);
  try {
    await linkGoal(db, user.id, { slug: String(form.get("slug") ?? ""), rule, backfillDays: Number(form.get("backfillDays") ?? 0) });
  } catch (error) {
    if (error instanceof GoalLinkError || error instanceof z.ZodError) back({ error: error instanceof z.ZodError ? error.issues[0].message : error.message });
    throw error;
  }
  back({ saved: `Linked ${String(form.get("slug"))}. Its datapoints go out with the next pass (or press Send now).` });
}

export async function editRuleAction(form: FormData): Promise<void> {
  const { user, db } = await signedIn();
  const rule = ruleFromForm(form);
  try {
    await editGoalRule(db, user.id, String(form.get("linkId") ?? ""), rule);
  } catch (error) {
    if (error instanceof GoalLinkError) back({ error: error.message });
    throw error;
  }
  back({ saved: "Rule changed: it applies from now on; what was already sent stays on Beeminder unchanged." });
}

export async function unlinkGoalAction(form: FormData): Promise<void> {
  const { user, db } = await signedIn();
  await unlinkGoal(db, user.id, String(form.get("linkId") ?? ""));
  back({ saved: "Unlinked. The datapoints already on Beeminder stay there." });
}

const sendInput = z.object({ slug: z.string().min(1).max(100), days: z.coerce.number().int().min(1).max(MAX_BACKFILL_DAYS).default(7) });

/** "Send now" (optionally the last N days): a forced pass, so Beeminder re-checks every point (requestids make it safe). */
export async function sendNowAction(form: FormData): Promise<void> {
  const { user, db } = await signedIn();
  const input = sendInput.safeParse({ slug: form.get("slug"), days: form.get("days") || undefined });
  if (!input.success) back({ error: input.error.issues[0].message });
  const result = await pushBeeminder(db, user.id, { slug: input.data!.slug, lookbackDays: input.data!.days, force: true });
  if (result.status !== "pushed") back({ error: result.status === "revoked" ? "Beeminder is not connected any more: connect it again." : "Connect Beeminder first." });
  const link = result.links[0];
  if (link?.error) back({ error: `${link.slug}: ${link.error}` });
  back({ saved: link ? `${link.slug}: ${link.sent} datapoint(s) sent or confirmed.` : "Nothing to send." });
}

export async function disconnectBeeminderAction(): Promise<void> {
  const { user, db } = await signedIn();
  await disconnectBeeminder(db, user.id);
  back({ saved: "Beeminder is disconnected. Goal links stay and resume when you connect again." });
}
