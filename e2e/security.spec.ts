import { expect, test } from "@playwright/test";
import { PASSWORD, signUp, uniqueEmail } from "./helpers";

test("pages carry the security headers and still run their scripts under the CSP", async ({ page }) => {
  const blocked: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) blocked.push(msg.text());
  });
  const res = await page.goto("/signin");
  const headers = res!.headers();
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"]).toContain("camera=()");

  // The form only enables its button once hydrated: proof that Next's nonced scripts ran.
  await signUp(page);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  expect(blocked).toEqual([]);
});

test("an open redirect in callbackUrl lands on the dashboard instead", async ({ page }) => {
  await page.goto("/signup?callbackUrl=/%09/evil.example/phish");
  await page.getByLabel("Email").fill(uniqueEmail());
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/^http:\/\/[^/]+\/dashboard$/);
});
