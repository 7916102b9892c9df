import type { ProviderDefinition } from "../types";

export const healthConnect: ProviderDefinition = {
  id: "health_connect",
  name: "Android Health Connect",
  authKind: "bridge",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [],
  notice:
    "Pushed from Android by a Health Connect export app with an API key (Settings \u2192 Phone apps).",
};
