"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { z } from "zod";
import { userAction } from "@/lib/actions";
import { UNITS } from "@/lib/dashboard/format";
import { isPriorityKey, moveSource, PreferenceError, resetSourceOrder, setHomeTimeZone, setWeekStart, type PriorityKey } from "@/lib/dashboard/preferences";
import { WEEK_STARTS } from "@/lib/db/schema";
import { isProviderId } from "@/lib/providers";
import { isTimeZone } from "@/lib/normalize/dates";
import { UNITS_COOKIE } from "../units";

/** Server actions of the preferences: source order per metric, home time zone, display units. */

const metric = z.string().refine(isPriorityKey, "Unknown metric: reload the page and try again.").transform((v) => v as PriorityKey);

export const moveSourceAction = userAction(
  "move source",
  z.object({
    metric,
    provider: z.string().refine(isProviderId, "Unknown source: reload the page and try again."),
    direction: z.enum(["up", "down"], { message: "Move up or down." }),
  }),
  async ({ user, db }, input) => {
    await moveSource(db, user.id, input.metric, input.provider, input.direction);
    revalidatePath("/dashboard", "layout");
    return { ok: true as const, metric: input.metric, provider: input.provider, direction: input.direction };
  },
  { userErrors: [PreferenceError] },
);

export const resetSourcesAction = userAction(
  "reset source order",
  z.object({ metric }),
  async ({ user, db }, input) => {
    await resetSourceOrder(db, user.id, input.metric);
    revalidatePath("/dashboard", "layout");
    return { ok: true as const, metric: input.metric };
  },
  { userErrors: [PreferenceError] },
);

export const timeZoneAction = userAction(
  "set home time zone",
  z.object({
    timeZone: z
      .string({ message: "Enter a time zone." })
      .trim()
      .min(1, "Enter a time zone.")
      .max(64)
      .refine(isTimeZone, "Not a time zone name: use one like Europe/Berlin or America/New_York."),
  }),
  async ({ user, db }, input) => {
    await setHomeTimeZone(db, user.id, input.timeZone);
    revalidatePath("/dashboard", "layout");
    return { ok: true as const, timeZone: input.timeZone };
  },
  { userErrors: [PreferenceError] },
);

export const unitsAction = userAction(
  "set units",
  z.object({ units: z.enum(UNITS as ["metric", "imperial"], { message: "Choose metric or imperial." }) }),
  async (_ctx, input) => {
    (await cookies()).set(UNITS_COOKIE, input.units, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 400 * 86_400 });
    revalidatePath("/dashboard", "layout");
    return { ok: true as const, units: input.units };
  },
);

export const weekStartAction = userAction(
  "set first day of the week",
  z.object({ weekStart: z.enum(WEEK_STARTS, { message: "Choose Monday or Sunday." }) }),
  async ({ user, db }, input) => {
    await setWeekStart(db, user.id, input.weekStart);
    revalidatePath("/dashboard", "layout");
    return { ok: true as const, weekStart: input.weekStart };
  },
  { userErrors: [PreferenceError] },
);

export type MoveSourceState = Awaited<ReturnType<typeof moveSourceAction>> | null;
export type ResetSourcesState = Awaited<ReturnType<typeof resetSourcesAction>> | null;
export type TimeZoneState = Awaited<ReturnType<typeof timeZoneAction>> | null;
export type UnitsState = Awaited<ReturnType<typeof unitsAction>> | null;
export type WeekStartState = Awaited<ReturnType<typeof weekStartAction>> | null;
