import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { beeminderDatapoints, beeminderGoalLinks } from "@/lib/db/schema";
import { goalRule, type GoalRule } from "./rules";

/** Goal links: one Beeminder goal fed by one rule. */

export const MAX_BACKFILL_DAYS = 90;

export const linkInput = z.object({
  slug: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "not a Beeminder goal slug"),
  rule: goalRule,
  /** Also send this many past days now (0 = from now on). */
  backfillDays: z.coerce.number().int().min(0).max(MAX_BACKFILL_DAYS).default(0),
});

export class GoalLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoalLinkError";
  }
}

export async function linkGoal(db: Db, userId: string, input: z.input<typeof linkInput>, now = new Date()) {
  const data = linkInput.parse(input);
  const sendFrom = new Date(now.getTime() - data.backfillDays * 86_400_000);
  const [row] = await db
    .insert(beeminderGoalLinks)
    .values({ userId, slug: data.slug, rule: data.rule, sendFrom, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new GoalLinkError(`The goal "${data.slug}" is already linked. Edit its rule instead.`);
  return row;
}

/**
 * A new rule applies from now on: what was already sent stays on Beeminder as it is (its datapoints
 * are not changed or deleted), and data from before the edit is not sent under the new rule.
 */
export async function editGoalRule(db: Db, userId: string, linkId: string, rule: GoalRule, now = new Date()) {
  const parsed = goalRule.parse(rule);
  const [row] = await db
    .update(beeminderGoalLinks)
    .set({ rule: parsed, sendFrom: now, lastError: null, updatedAt: now })
    .where(and(eq(beeminderGoalLinks.userId, userId), eq(beeminderGoalLinks.id, linkId)))
    .returning();
  if (!row) throw new GoalLinkError("No such goal link.");
  return row;
}

/** Unlinking stops sending; the datapoints already on Beeminder stay there. */
export async function unlinkGoal(db: Db, userId: string, linkId: string): Promise<void> {
  await db.delete(beeminderGoalLinks).where(and(eq(beeminderGoalLinks.userId, userId), eq(beeminderGoalLinks.id, linkId)));
}

export async function goalLinks(db: Db, userId: string) {
  const links = await db.select().from(beeminderGoalLinks).where(eq(beeminderGoalLinks.userId, userId)).orderBy(beeminderGoalLinks.slug);
  return Promise.all(
    links.map(async (l) => {
      const [last] = await db
        .select()
        .from(beeminderDatapoints)
        .where(and(eq(beeminderDatapoints.userId, userId), eq(beeminderDatapoints.linkId, l.id)))
        .orderBy(desc(beeminderDatapoints.sentAt), desc(beeminderDatapoints.daystamp))
        .limit(1);
      return { ...l, lastDatapoint: last ?? null };
    }),
  );
}
