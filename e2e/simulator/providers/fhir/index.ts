import type { SimProvider } from "../../router";
import type { SimProviderModuleOf } from "../../types";
import { fhirRateLimited, fhirRoutes, HOST } from "./api";

export { fhirStore, type SimFhirStore } from "./api";
export { r4SchemaErrors, r4Validator } from "./validate";

const fhirServer: SimProvider = { id: "fhir", name: "FHIR server", hosts: [HOST], routes: fhirRoutes, rateLimited: fhirRateLimited };

/** A FHIR R4 server in the simulator: a destination (the app's export), so only its routes (`api.ts`). */
export const fhir: SimProviderModuleOf<"fhir"> = { id: "fhir", auth: fhirServer };
export { profileErrors } from "./profiles";
export { ucumErrors } from "./ucum";
