import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BeeminderOutage } from "./outage";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

describe("the goals page's outage notice", () => {
  it("says what failed and when the next try is, on the home zone's clock", () => {
    const error = "Beeminder is not responding properly (HTTP 502)";
    const html = renderToStaticMarkup(createElement(BeeminderOutage, { error, retryAt: new Date("2026-03-24T16:04:00Z"), failures: 3, zone: "Europe/Berlin" }));
    expect(html).toContain('role="alert"');
    expect(text(html)).toContain(`${error} Next try at 2026-03-24 17:04 Europe/Berlin (failed 3 times in a row;`);
    expect(text(html)).toContain("Nothing is lost");
  });
});
