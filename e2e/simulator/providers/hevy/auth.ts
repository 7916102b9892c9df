import type { SimProvider } from "../../router";

/**
 * Hevy public API (providers.md §9): a personal `api-key` header (Hevy Pro), no OAuth. Every call —
 * `GET /v1/workouts`, `/v1/workouts/count`, `/v1/workouts/events`, `/v1/body_measurements` — is
 * served by the data endpoints (`endpoints.ts`), which checks the key against
 * `DEMO_HEVY_API_KEYS` and answers a bad one with 401 text/plain.
 */
export const hevyAuth: SimProvider = {
  id: "hevy",
  name: "Hevy",
  hosts: ["api.hevyapp.com"],
  routes: [],
};
