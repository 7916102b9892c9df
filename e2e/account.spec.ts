import { expect, test } from "@playwright/test";
import { formError, PASSWORD, signUp } from "./helpers";

test("change the password: other sessions end, the new password signs in", async ({ page, browser }) => {
  const email = await signUp(page);
  // A second browser signed in as the same user.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto("/signin");
  await otherPage.getByLabel("Email").fill(email);
  await otherPage.getByLabel("Password").fill(PASSWORD);
  await otherPage.getByRole("button", { name: "Sign in" }).click();
  await expect(otherPage).toHaveURL(/\/dashboard$/);

  await page.goto("/dashboard/settings");
  await page.getByRole("link", { name: /Your account/ }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("wrong-horse-42");
  await form.getByLabel("New password", { exact: true }).fill("brand-new-horse-7");
  await form.getByLabel("Confirm new password").fill("brand-new-horse-7");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(formError(page)).toHaveText("The current password is not right.");

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Password changed");

  await otherPage.goto("/dashboard");
  await expect(otherPage).toHaveURL(/\/signin/);
  await other.close();
});

test("export downloads JSON; delete removes the account", async ({ page }) => {
  const email = await signUp(page);
  await page.goto("/dashboard/settings/account");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download export (JSON)" }).click();
  expect((await download).suggestedFilename()).toMatch(/^healthbridge-export-.*\.json$/);

  const form = page.getByRole("form", { name: "Delete account" });
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByLabel("Type DELETE to confirm").fill("DELETE");
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/signup/);

  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(formError(page)).toHaveText("Wrong e-mail or password.");
});
