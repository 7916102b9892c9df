import { corosFetcher } from "./fetch";
import { corosTransforms } from "./transform";
import { corosWebhook } from "./webhook";
import { oauth2 } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";

export const coros: ProviderDefinition = {
  id: "coros",
  name: "COROS",
  authKind: "oauth2",
  dataTypes: ["activities"],
  credentialVars: [["COROS_CLIENT_ID", "COROS_CLIENT_SECRET"]],
  credentialsUrl: "https://support.coros.com/hc/en-us/articles/17085887816340-Submit-an-API-Application",
  notice:
    "COROS issues API access on application; its documentation is private.",
  oauth2,
  webhook: corosWebhook,
  pull: pullSide(corosTransforms, corosFetcher),
  subscriptions: {
    kind: "manual",
    instructions: (url) => [
      `COROS sets the push URL when it approves the app: give them ${url}.`
    ],
  },
};
