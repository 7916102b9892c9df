import { redirect } from "next/navigation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";

// next-auth needs a request scope: only the session lookup and the database handle are replaced.
const session = vi.hoisted(() => ({ user: { id: "u1", email: "a@example.test" } as { id: string; email: string } | null }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => session.user }));
vi.mock("@/lib/db", () => ({ getDb: async () => ({ fake: "db" }) }));

const { SERVER_FAILURE_MESSAGE, SIGNED_OUT_MESSAGE, userAction } = await import("./actions");

class RefusedError extends Error {}

const echo = userAction(
  "echo",
  z.object({ word: z.string({ message: "Type a word." }).min(2, "At least two letters.") }),
  async ({ user }, { word }) => {
    if (word === "refuse") throw new RefusedError("The provider said no.");
    if (word === "boom") throw new Error(`internal failure for password=${word}hunter2`);
    if (word === "away") redirect("/elsewhere");
    if (word === "nope") return { ok: false, error: "Not today." };
    return { ok: true as const, word, user: user.id };
  },
  { userErrors: [RefusedError], keep: (raw) => ({ typed: (raw as { word?: unknown })?.word }) },
);

afterEach(() => {
  session.user = { id: "u1", email: "a@example.test" };
  vi.restoreAllMocks();
});

describe("userAction", () => {
  it("reads an object, or the FormData of a form (also as useActionState's second argument)", async () => {
    expect(await echo({ word: "hi" })).toEqual({ ok: true, word: "hi", user: "u1" });
    const form = new FormData();
    form.set("word", "yo");
    expect(await echo(null, form)).toEqual({ ok: true, word: "yo", user: "u1" });
  });

  it("answers invalid input with the schema's words, keeping what the form asked to keep", async () => {
    expect(await echo({ word: "x" })).toEqual({ ok: false, error: "At least two letters.", typed: "x" });
    expect(await echo({})).toEqual({ ok: false, error: "Type a word.", typed: undefined });
  });

  it("refuses a signed-out caller before running anything", async () => {
    session.user = null;
    expect(await echo({ word: "hi" })).toMatchObject({ ok: false, error: SIGNED_OUT_MESSAGE });
  });

  it("shows the message of errors meant for the user and of returned failures", async () => {
    expect(await echo({ word: "refuse" })).toMatchObject({ ok: false, error: "The provider said no." });
    expect(await echo({ word: "nope" })).toMatchObject({ ok: false, error: "Not today." });
  });

  it("answers any other failure generically and logs the action's name without the input", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await echo({ word: "boom" })).toMatchObject({ ok: false, error: SERVER_FAILURE_MESSAGE });
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toMatch(/^\[action\] echo failed: Error: /);
  });

  it("lets redirect() through", async () => {
    await expect(echo({ word: "away" })).rejects.toThrow(/NEXT_REDIRECT/);
  });
});

describe("userAction with fields the action checks itself", () => {
  it("passes absent optional fields through, so the action's own check words the refusal", async () => {
    const connect = userAction("connect", z.object({ apiKey: z.unknown().optional() }), async (_ctx, { apiKey }) =>
      typeof apiKey === "string" ? { ok: true as const } : { ok: false, error: "Paste your API key." },
    );
    expect(await connect(null, new FormData())).toEqual({ ok: false, error: "Paste your API key." });
  });
});
