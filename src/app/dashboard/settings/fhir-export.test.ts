import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { FhirExportCard } from "./fhir-export";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

describe("the FHIR export card", () => {
  it("shows the last export in the home zone, what waits, and no error when all went well", () => {
    const html = renderToStaticMarkup(
      createElement(FhirExportCard, {
        host: "fhir.example.org",
        timeZone: "Europe/Berlin",
        status: { enabled: true, lastExportAt: new Date("2026-03-24T16:00:00Z"), pending: 1, created: 42, lastError: null, retryAt: null },
      }),
    );
    expect(text(html)).toContain("Last export 2026-03-24 17:00 Waiting to be sent 1 Observation Created there so far 42");
    expect(html).toContain("fhir.example.org");
    expect(html).not.toContain("fhir-export-error");
    expect(html).toMatch(/<button[^>]*role="switch"[^>]*aria-checked="true"/);
  });

  it("off (the default): a switch named after the server, unchecked, and what turning it off means", () => {
    const html = renderToStaticMarkup(
      createElement(FhirExportCard, {
        host: "fhir.example.org",
        timeZone: "UTC",
        status: { enabled: false, lastExportAt: null, pending: 7, created: 0, lastError: null, retryAt: null },
      }),
    );
    const button = /<button[^>]*role="switch"[^>]*>.*?<\/button>/.exec(html)?.[0] ?? "";
    expect(button).toContain('aria-checked="false"');
    expect(button).toContain('type="submit"');
    expect(text(button)).toContain("Send my data to fhir.example.org");
    expect(html).toContain('name="enabled" value="on"');
    expect(text(html)).toContain("Not sent (export is off) 7 Observations");
    expect(text(html)).toContain("Turning it off stops further exports; what was already sent stays on that server");
  });

  it("before the first export, with an error: says so in words with the next try", () => {
    const error = "The FHIR server had an error (HTTP 500); the export resumes later.";
    const html = renderToStaticMarkup(
      createElement(FhirExportCard, {
        host: "fhir.example.org",
        timeZone: "UTC",
        status: { enabled: true, lastExportAt: null, pending: 1200, created: 0, lastError: error, retryAt: new Date("2026-03-24T16:00:30Z") },
      }),
    );
    expect(text(html)).toContain("Last export Not yet Waiting to be sent 1200 Observations");
    expect(text(html)).toContain(`${error} Next try after 2026-03-24 16:00.`);
  });
});
