import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb, type TestDb } from "@/test/db";
import { users } from "@/lib/db/schema";
import { eq } from "drizzle-orm";
import { authenticate, signUp } from "./users";

describe("sign-up and sign-in", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t?.close());

  it("creates a user with a scrypt hash, never the password", async () => {
    const user = await signUp(t.db, { email: "  Ann@Example.TEST ", password: "correct-horse-42" });
    expect(user.email).toBe("ann@example.test");
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain("correct-horse-42");
  });

  it("answers a taken e-mail like a new one (no account enumeration), and keeps the first password", async () => {
    const again = await signUp(t.db, { email: "ann@example.test", password: "other-horse-42" });
    expect(again).toMatchObject({ email: "ann@example.test", created: false });
    await expect(authenticate(t.db, { email: "ann@example.test", password: "correct-horse-42" })).resolves.toBeTruthy();
  });

  it("gives clear messages for weak passwords", async () => {
    await expect(signUp(t.db, { email: "b@example.test", password: "short1" })).rejects.toThrow(/at least 10/);
    await expect(signUp(t.db, { email: "b@example.test", password: "onlyletterslong" })).rejects.toThrow(/digits or symbols/);
    await expect(signUp(t.db, { email: "not-an-email", password: "correct-horse-42" })).rejects.toThrow(/valid e-mail/);
  });

  it("signs in with the right password and refuses a wrong one", async () => {
    await expect(authenticate(t.db, { email: "ANN@example.test", password: "correct-horse-42" })).resolves.toMatchObject({
      email: "ann@example.test",
    });
    await expect(authenticate(t.db, { email: "ann@example.test", password: "wrong-horse-42" })).rejects.toThrow(
      "Wrong e-mail or password.",
    );
    await expect(authenticate(t.db, { email: "nobody@example.test", password: "x" })).rejects.toThrow("Wrong e-mail or password.");
  });

  const at = (ms: number) => new Date(Date.parse("2030-01-01T00:00:00Z") + ms);

  it("backs off per (account, client): the attacker waits, the owner on another client does not", async () => {
    await signUp(t.db, { email: "cat@example.test", password: "correct-horse-42" });
    const attacker = { email: "cat@example.test", client: "203.0.113.9" };
    for (let i = 0; i < 5; i++)
      await expect(authenticate(t.db, { ...attacker, password: "nope-nope-1" }, at(i))).rejects.toThrow("Wrong e-mail or password.");
    // Even the right password waits out the backoff from the attacker's client…
    await expect(authenticate(t.db, { ...attacker, password: "correct-horse-42" }, at(10))).rejects.toThrow(
      /^Too many sign-in attempts. Try again in 30 seconds.$/,
    );
    // …while the owner, elsewhere, signs in at once (before: everyone was locked out for 15 minutes).
    await expect(
      authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42", client: "198.51.100.7" }, at(10)),
    ).resolves.toMatchObject({ email: "cat@example.test" });
    // The backoff doubles with each further failure.
    await expect(authenticate(t.db, { ...attacker, password: "nope-nope-1" }, at(31_000))).rejects.toThrow(/Wrong/);
    await expect(authenticate(t.db, { ...attacker, password: "nope-nope-1" }, at(31_000 + 59_000))).rejects.toThrow(/in 1 second/);
    await expect(authenticate(t.db, { ...attacker, password: "correct-horse-42" }, at(31_000 + 60_000))).resolves.toBeTruthy();
  });

  it("100 parallel guesses: only the first five are checked, the right password among the rest is not", async () => {
    await signUp(t.db, { email: "dog@example.test", password: "correct-horse-42" });
    const now = at(3_600_000);
    const guesses = Array.from({ length: 100 }, (_, i) => (i === 60 ? "correct-horse-42" : `guess-${i}-horse`));
    const results = await Promise.allSettled(
      guesses.map((password) => authenticate(t.db, { email: "dog@example.test", password, client: "203.0.113.20" }, now)),
    );
    const messages = results.map((r) => (r.status === "fulfilled" ? "signed in" : (r.reason as Error).message));
    expect(messages.filter((m) => m === "Wrong e-mail or password.").length).toBeLessThanOrEqual(5);
    expect(messages.filter((m) => m.startsWith("Too many sign-in attempts")).length).toBeGreaterThanOrEqual(95);
    expect(messages[60]).not.toBe("signed in");
  });

  it("one client cannot walk through many accounts", async () => {
    const client = "203.0.113.50";
    const now = at(7_200_000);
    for (let i = 0; i < 50; i++)
      await expect(authenticate(t.db, { email: `victim${i}@example.test`, password: "guess-horse-1", client }, now)).rejects.toThrow(/Wrong/);
    await expect(authenticate(t.db, { email: "victim99@example.test", password: "guess-horse-1", client }, now)).rejects.toThrow(
      /Too many sign-in attempts. Try again in 15 minutes/,
    );
    await expect(authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42", client }, now)).rejects.toThrow(/Too many/);
    // Another client is unaffected; after the window this one may try again.
    await expect(authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42", client: "192.0.2.1" }, now)).resolves.toBeTruthy();
    await expect(authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42", client }, at(7_200_000 + 15 * 60_000))).resolves.toBeTruthy();
  });

  it("unknown and known e-mails get the same answers, throttling included, in similar time", async () => {
    await signUp(t.db, { email: "eel@example.test", password: "correct-horse-42" });
    const run = async (email: string) => {
      const out: string[] = [];
      const started = performance.now();
      for (let i = 0; i < 6; i++)
        out.push(
          await authenticate(t.db, { email, password: "guess-horse-1", client: "192.0.2.77" }, at(9_000_000)).then(
            () => "signed in",
            (e: Error) => e.message,
          ),
        );
      return { out, ms: performance.now() - started };
    };
    const known = await run("eel@example.test");
    const unknown = await run("nobody-here@example.test");
    expect(unknown.out).toEqual(known.out);
    // Both paths run one scrypt per checked attempt: within a factor of 3 even on a busy machine.
    expect(unknown.ms / known.ms).toBeGreaterThan(1 / 3);
    expect(unknown.ms / known.ms).toBeLessThan(3);
  });
});
