import { apiKey } from "./auth";
import { hevyFetcher } from "./fetch";
import { hevyTransforms } from "./transform";
import { pullSide, type ProviderDefinition } from "../types";

export const hevy: ProviderDefinition = {
  id: "hevy",
  name: "Hevy",
  authKind: "api_key",
  dataTypes: ["activities", "body"],
  credentialVars: [],
  credentialsUrl: "https://hevy.com/settings?developer",
  notice: "Needs a Hevy Pro account; paste the API key from Hevy's developer settings.",
  apiKey,
  pull: pullSide(hevyTransforms, hevyFetcher),
};
