import type { ProviderDefinition } from "./types";

export const eightsleep: ProviderDefinition = {
  id: "eightsleep",
  name: "Eight Sleep",
  authKind: "password",
  dataTypes: ["sleep", "daily"],
  credentialVars: [],
  notice:
    "Eight Sleep has no public API: this uses the endpoints of its own app and may break without notice. Your password is used once to obtain tokens and is never stored.",
};
