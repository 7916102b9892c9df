import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ProviderCard, type ProviderCardProps } from "./provider-card";

const provider: ProviderCardProps["provider"] = {
  id: "strava",
  name: "Strava",
  authKind: "oauth2",
  dataTypes: ["activities"],
  credentialVars: [["STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET"]],
  configured: true,
};
const connection = (deliveryIssues: NonNullable<ProviderCardProps["connection"]>["deliveryIssues"]): ProviderCardProps["connection"] => ({
  status: "active",
  authKind: "oauth2",
  displayName: "athlete",
  connectedAt: "2024-01-01",
  lastError: null,
  sync: null,
  deliveryIssues,
});

describe("the connection card", () => {
  it("shows how many provider notices were refused or failed, and the latest reason", () => {
    const html = renderToStaticMarkup(
      createElement(ProviderCard, {
        provider,
        connection: connection({ count: 3, latestReason: "not confirmed: activity 42 still exists at strava", latestAt: "2024-03-01T10:20:30.000Z" }),
        zone: "Europe/Berlin",
      }),
    );
    expect(html).toContain('data-testid="webhook-issues"');
    // In the home zone, named, like every time on the dashboard.
    expect(html).toContain("3 provider notices refused or failed in the last 7 days; latest (2024-03-01 11:20 Europe/Berlin): not confirmed: activity 42 still exists at strava");
    expect(renderToStaticMarkup(createElement(ProviderCard, { provider, connection: connection(null), zone: "UTC" }))).not.toContain("webhook-issues");
  });

  it("offers Reconnect beside a connection notice (scopes not granted), and no Reconnect without one", () => {
    const render = (notice?: string) =>
      renderToStaticMarkup(createElement(ProviderCard, { provider, connection: { ...connection(null)!, notice }, zone: "UTC" }));
    const withNotice = render("Not granted on the consent page, so not synced: sleep. Reconnect to grant them.");
    expect(withNotice).toContain('data-testid="connection-notice"');
    expect(withNotice).toMatch(/<a [^>]*href="\/api\/oauth\/connect\?provider=strava"[^>]*>Reconnect Strava<\/a>/);
    const without = render(undefined);
    expect(without).not.toContain("Reconnect Strava");
    expect(without).not.toContain("connection-notice");
  });
});
