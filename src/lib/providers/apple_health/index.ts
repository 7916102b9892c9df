import type { ProviderDefinition } from "../types";

export const appleHealth: ProviderDefinition = {
  id: "apple_health",
  name: "Apple Health",
  authKind: "bridge",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [],
  notice:
    "Pushed from the iPhone by the Health Auto Export app with an API key (Settings \u2192 Phone apps).",
};
