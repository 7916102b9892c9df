import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signUp } from "./helpers";

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "../src/lib/ingest/fixtures", name));

test("phone app: create a key in the browser, push a Health Auto Export sample, see it, revoke the key", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  const phoneApps = page.getByRole("region", { name: "Phone apps" });
  await phoneApps.getByLabel("Key name").fill("iPhone");
  await phoneApps.getByRole("button", { name: "Create key" }).click();
  const keyField = phoneApps.getByLabel("New API key");
  await expect(keyField).toHaveValue(/^hb_/);
  const key = await keyField.inputValue();
  await expect(phoneApps.getByRole("button", { name: "Copy" })).toBeVisible();
  // The setup steps carry this server's ingest URL.
  await expect(phoneApps).toContainText("/api/webhooks/ingest");

  const body = fixture("hae-v2-workouts-docderived.json");
  const first = await page.request.post("/api/webhooks/ingest", {
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    data: body,
  });
  expect(first.status()).toBe(200);
  const counts = await first.json();
  expect(JSON.stringify(counts)).toContain("inserted");

  // The same payload again changes nothing.
  const again = await page.request.post("/api/webhooks/ingest", {
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    data: body,
  });
  expect(again.status()).toBe(200);

  await page.goto("/dashboard");
  const activities = page.getByRole("region", { name: "Recent activities" });
  const run = activities.getByRole("listitem").filter({ hasText: "Outdoor Run" });
  await expect(run).toHaveCount(1);
  // 3.5 mi = 5.632704 km; 07:00 at -08:00 is the phone's local start, shown with its offset.
  await expect(run).toContainText("5.63 km");
  await expect(run).toContainText("2024-02-06 07:00 UTC−08:00");
  await expect(run).toContainText("30 min");
  await expect(run).toContainText("Apple Health");

  await page.goto("/dashboard/settings");
  await expect(phoneApps.getByRole("row", { name: /iPhone/ })).not.toContainText("never");
  await phoneApps.getByRole("button", { name: "Revoke iPhone" }).click();
  await expect(phoneApps.getByRole("button", { name: "Revoke iPhone" })).toHaveCount(0);

  const afterRevoke = await page.request.post("/api/webhooks/ingest", {
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    data: body,
  });
  expect(afterRevoke.status()).toBe(401);
});
