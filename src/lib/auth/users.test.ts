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

  it("gives clear messages for a duplicate e-mail and weak passwords", async () => {
    await expect(signUp(t.db, { email: "ann@example.test", password: "correct-horse-42" })).rejects.toThrow(/already exists/);
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

  it("throttles after five failures, even for the right password, until the lock expires", async () => {
    await signUp(t.db, { email: "cat@example.test", password: "correct-horse-42" });
    const now = new Date("2030-01-01T00:00:00Z");
    for (let i = 0; i < 5; i++) {
      await expect(authenticate(t.db, { email: "cat@example.test", password: "nope-nope-1" }, now)).rejects.toThrow(/Wrong/);
    }
    await expect(authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42" }, now)).rejects.toThrow(
      /Too many failed attempts. Try again in 15 minutes/,
    );
    const later = new Date(now.getTime() + 16 * 60 * 1000);
    await expect(authenticate(t.db, { email: "cat@example.test", password: "correct-horse-42" }, later)).resolves.toBeTruthy();
  });
});
