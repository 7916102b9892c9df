import { eightsleepFetcher } from "./fetch";
import { eightsleepTransforms } from "./transform";
import { password } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";

export const eightsleep: ProviderDefinition = {
  id: "eightsleep",
  name: "Eight Sleep",
  authKind: "password",
  dataTypes: ["sleep", "daily"],
  // The official app's client credentials (see above); without them sign-in cannot work.
  credentialVars: [["EIGHTSLEEP_CLIENT_ID", "EIGHTSLEEP_CLIENT_SECRET"]],
  notice:
    "Eight Sleep has no public API: this uses the endpoints of its own app and may break without notice. Your password is used once to obtain tokens and is never stored; if the session can't be renewed you'll be asked for it again.",
  password,
  pull: pullSide(eightsleepTransforms, eightsleepFetcher),
};
