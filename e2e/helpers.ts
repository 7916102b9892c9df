import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";

export const PASSWORD = "correct-horse-42";

export const uniqueEmail = () => `user-${Date.now()}-${randomBytes(3).toString("hex")}@example.test`;

export const simulatorUrl = `http://127.0.0.1:${process.env.E2E_SIMULATOR_PORT ?? 4015}`;
/** The second app instance (Garmin OAuth 1.0a consumer only, a three-year backfill reach). */
export const secondAppUrl = `http://127.0.0.1:${process.env.E2E_APP2_PORT ?? 3106}`;

/** Creates an account through the form and lands on the dashboard (of `baseUrl`, default the main instance). */
export async function signUp(page: Page, email = uniqueEmail(), baseUrl = "") {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(new RegExp(`${baseUrl ? `^${baseUrl}` : ""}/dashboard$`));
  return email;
}

/** The form's error message (Next's route announcer is an empty role=alert too). */
export const formError = (page: Page) => page.locator('p[role="alert"]');

/** A provider's card on the settings page. */
export const card = (page: Page, id: string) => page.locator(`li[data-provider="${id}"]`);

/** A simulator admin call (GET without a body, POST with one); fails the test unless it answers 2xx. */
export async function admin(request: APIRequestContext, path: string, body?: unknown) {
  const res = body === undefined ? await request.get(`${simulatorUrl}${path}`) : await request.post(`${simulatorUrl}${path}`, { data: body });
  expect(res.ok(), `${path}: ${res.status()} ${await res.text()}`).toBe(true);
  return res.json();
}
