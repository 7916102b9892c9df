import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { getDb, type Db } from "@/lib/db";
import { safeReason } from "@/lib/providers/shared/errors";
import { errorSummary } from "@/lib/db/schema-state";

/**
 * Every signed-in server action goes through `userAction`: the input (an object, or the FormData a
 * `<form action>` / useActionState hands over) is validated with zod, the session is checked, and
 * whatever fails comes back as `{ ok: false, error }` in one message style, so no form ever spins on
 * a thrown error. Errors meant for the person (the classes in `userErrors`, or what `describe`
 * words) show their message; anything else is logged by name only and answered generically.
 */

export type ActionFailure = { ok: false; error: string };

export const SIGNED_OUT_MESSAGE = "Your session has ended: sign in again.";
export const SERVER_FAILURE_MESSAGE = "Something went wrong on our side, and nothing was changed. Try again in a moment.";

type ErrorClass = abstract new (...args: never[]) => Error;

export type UserActionOptions = {
  /** Error classes whose message is written for the user. */
  userErrors?: ErrorClass[];
  /** Words for other known errors (provider refusals…); undefined = not known. */
  describe?: (error: unknown) => string | undefined;
  /** What a failure carries back besides the error, e.g. the e-mail typed, so the form keeps it. */
  keep?: (input: unknown) => Record<string, unknown>;
};

/** The raw input of an action called as `action(input)` or `action(prevState, formData)`. */
export function actionInput(first: unknown, second?: unknown): unknown {
  const raw = second instanceof FormData ? second : first;
  return raw instanceof FormData ? Object.fromEntries(raw.entries()) : raw;
}

const issuesText = (error: z.ZodError) => error.issues.map((i) => i.message).join("; ");

export function userAction<S extends z.ZodType, R extends { ok: true }>(
  name: string,
  schema: S,
  run: (ctx: { user: SessionUser; db: Db }, input: z.output<S>) => Promise<R | ActionFailure>,
  options: UserActionOptions = {},
): (first?: unknown, second?: unknown) => Promise<R | ActionFailure> {
  return async (first, second) => {
    const raw = actionInput(first, second);
    const fail = (error: string): ActionFailure => ({ ...options.keep?.(raw), ok: false, error });
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return fail(issuesText(parsed.error));
    const user = await getSessionUser();
    if (!user) return fail(SIGNED_OUT_MESSAGE);
    try {
      const result = await run({ user, db: await getDb() }, parsed.data);
      return result.ok ? result : fail(result.error);
    } catch (error) {
      unstable_rethrow(error); // redirect() and notFound() are Next's control flow, not failures
      if (options.userErrors?.some((kind) => error instanceof kind)) return fail((error as Error).message);
      const described = options.describe?.(error);
      if (described) return fail(described);
      // The name and a redacted reason only: action inputs (passwords, keys) never reach the log.
      console.error(`[action] ${name} failed: ${error instanceof Error ? error.name : "error"}: ${safeReason(errorSummary(error))}`);
      return fail(SERVER_FAILURE_MESSAGE);
    }
  };
}
