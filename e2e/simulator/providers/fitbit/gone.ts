import { html, type RouteSpec, type SimProvider, type SimResponse } from "../../router";
import { page } from "../../html";
import { rpcError } from "../google_health/oauth";

/**
 * The legacy Fitbit Web API after Google switched it and Fitbit's OAuth endpoints off on
 * 2026-11-02 (google-health.md A.1): every method and path on its hosts answers 410 Gone.
 * UNCONFIRMED shape (the source says 410 Gone, nothing about the body): the hosts are Google's now,
 * so the API and token endpoints give Google's error envelope (google.rpc.Status, A.12) with a
 * link to the migration guide; the authorize page, where a browser lands, is an HTML page.
 */

export const FITBIT_AUTH_HOST = "www.fitbit.com";
export const FITBIT_API_HOST = "api.fitbit.com";
export const FITBIT_TURNED_OFF = "2026-11-02";
const MIGRATION_GUIDE = "https://developers.google.com/health/migration";
const MESSAGE = `The Fitbit Web API and Fitbit OAuth endpoints were turned off on ${FITBIT_TURNED_OFF}. Use the Google Health API with Google OAuth 2.0.`;

function gone(): SimResponse {
  return rpcError(410, "NOT_FOUND", MESSAGE, "API_TURNED_DOWN", [
    { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Migrate to the Google Health API", url: MIGRATION_GUIDE }] },
  ]);
}

function gonePage(): SimResponse {
  return html(
    410,
    page("Fitbit: 410 Gone", `<h1>410 Gone</h1>\n<p role="alert">${MESSAGE}</p>\n<p><a href="${MIGRATION_GUIDE}">Migrate to the Google Health API</a></p>`),
  );
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const everything = (host: string, answer: () => SimResponse): RouteSpec[] =>
  METHODS.map((method) => ({ method, host, path: "/*", name: `gone ${method}`, handler: answer }));

export const fitbitGone: SimProvider = {
  id: "fitbit",
  name: "Fitbit",
  hosts: [FITBIT_AUTH_HOST, FITBIT_API_HOST],
  routes: [...everything(FITBIT_AUTH_HOST, gonePage), ...everything(FITBIT_API_HOST, gone)],
};
