import { CredentialsRejectedError, ProviderRequestError } from "../shared/errors";
import { isObject, numberField, requestJson } from "../shared/oauth2";
import type { ApiKeyFlow, ProviderContext } from "../types";

// providers.md §9: `api-key` header (Hevy Pro only), no OAuth; 401 with a text/plain body.
export const HEVY_API = "https://api.hevyapp.com/v1";
const WORKOUT_COUNT_URL = `${HEVY_API}/workouts/count`;

export const hevyHeaders = (apiKey: string) => ({ "api-key": apiKey });

/** One authenticated GET against the Hevy API. */
export function hevyGet(ctx: ProviderContext, apiKey: string, url: string, what: string) {
  return requestJson(ctx, url, { headers: hevyHeaders(apiKey), what, secrets: [apiKey] });
}

export const apiKey: ApiKeyFlow = {
  kind: "api_key",
  async verify(ctx, key) {
    try {
      // The cheapest real call: proves the key works before anything is stored.
      const { json } = await hevyGet(ctx, key, WORKOUT_COUNT_URL, "API key check");
      const workoutCount = isObject(json) ? numberField(json.workout_count) : undefined;
      return { accessToken: key, refreshToken: null, expiresAt: null, meta: workoutCount === undefined ? {} : { workoutCount } };
    } catch (error) {
      if (error instanceof ProviderRequestError && (error.status === 401 || error.status === 403)) {
        throw new CredentialsRejectedError(
          "hevy",
          "Hevy rejected this API key. Copy it again from hevy.com/settings?developer (the API needs a Hevy Pro subscription).",
          error.status,
        );
      }
      throw error;
    }
  },
};
