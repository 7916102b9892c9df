import { expect, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";

export const PASSWORD = "correct-horse-42";

export const uniqueEmail = () => `user-${Date.now()}-${randomBytes(3).toString("hex")}@example.test`;

/** Creates an account through the form and lands on the dashboard. */
export async function signUp(page: Page, email = uniqueEmail()) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}

/** The form's error message (Next's route announcer is an empty role=alert too). */
export const formError = (page: Page) => page.locator('p[role="alert"]');
