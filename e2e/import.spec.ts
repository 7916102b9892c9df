import { expect, test } from "@playwright/test";
import { writeSyntheticExport } from "../src/lib/import/synthetic-export";
import { signUp } from "./helpers";

test("import: upload an Apple export.xml in chunks, watch the progress bar, read the summary", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  // ~20 MB: more than two 8 MB chunks, and an import that runs long enough to be watched.
  const file = testInfo.outputPath("export.xml");
  const made = await writeSyntheticExport(file, 20 * 1024 * 1024);
  await signUp(page);
  await page.goto("/dashboard/settings");
  await page.getByRole("link", { name: "Import history from files" }).click();
  await expect(page.getByRole("heading", { name: "Import history from files" })).toBeVisible();
  await page.getByLabel("Choose files").setInputFiles(file);

  const job = page.getByTestId("import-job").filter({ hasText: "export.xml" });
  await expect(job.getByRole("progressbar")).toBeVisible();
  await expect(job.getByTestId("import-status")).toHaveText("succeeded", { timeout: 150_000 });
  await expect(job.getByRole("progressbar")).toHaveCount(0);
  await expect(job).toContainText(`HKQuantityTypeIdentifierHeartRate: ${made.heartRate.toLocaleString("en-US")}`);
});
