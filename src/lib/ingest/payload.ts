import type { Collector } from "./collector";
import { HAE_ARRAYS, HaeParser } from "./hae";
import { HC_EXPORTS_FIELDS, HC_WEBHOOK_KEYS, HealthConnectParser } from "./health-connect";
import type { JsonHandlers, JsonPath } from "./json-stream";

/**
 * Recognises the payload while it streams and routes each piece to its parser.
 *
 * | shape | recognised by |
 * |---|---|
 * | Health Auto Export v1/v2 | `data.metrics`, `data.workouts` or a newer `data.<array>` (stateOfMind, ecg, …) |
 * | HC Webhook family | top-level record arrays (`steps`, `heart_rate`, `sleep`, …) or `app_version` |
 * | Health Connect Exports | `data.steps` / `active_calories` / `total_calories` / `sleep_duration_seconds` numbers (+ `time`) |
 * | HCGateway records | `data` is an array of records |
 *
 * Which containers stream: the root, `data`, each `data.<key>`, each `data.metrics[i]` and its
 * `data` array. Everything below (a metric point, a workout, a webhook record) is assembled whole.
 */

export type PayloadFormat =
  | "health_auto_export"
  | "health_connect_webhook"
  | "health_connect_life_dashboard"
  | "health_connect_exports"
  | "hcgateway";

type Family = "hae" | "hc_webhook" | "hc_exports" | "hcgateway";

export const ACCEPTED_SHAPES =
  "Health Auto Export (REST API automation, JSON, export version 1 or 2: {\"data\": {\"metrics\": [...], \"workouts\": [...]}}), " +
  "the Health Connect webhook family (HC Webhook, Life Dashboard: {\"timestamp\", \"app_version\", \"steps\": [...], \"heart_rate\": [...], ...}), " +
  "Health Connect Exports ({\"time\": <epoch ms>, \"data\": {\"steps\", \"active_calories\", \"total_calories\", \"sleep_duration_seconds\"}}) " +
  "and HCGateway records ({\"data\": [record, ...]})";

export class UnsupportedPayloadError extends Error {
  constructor(reason: string) {
    super(`${reason} Accepted payloads: ${ACCEPTED_SHAPES}.`);
    this.name = "UnsupportedPayloadError";
  }
}

const HAE_KEYS = new Set<string>(HAE_ARRAYS);
const EXPORTS_FIELDS = new Set<string>(HC_EXPORTS_FIELDS);

export class PayloadRouter implements JsonHandlers {
  readonly hae: HaeParser;
  readonly hc: HealthConnectParser;
  private families = new Set<Family>();
  private lifeDashboard = false;
  private rootKind: string | null = null;
  /** Elements of unknown top-level arrays: kept until we know whether this is an HC payload. */
  private strays: Array<{ key: string; value: unknown }> = [];
  private straysDropped = 0;
  private ignoredKeys = new Set<string>();

  constructor(
    private readonly out: Collector,
    tz: string | null,
  ) {
    this.hae = new HaeParser(out);
    this.hc = new HealthConnectParser(out, tz);
  }

  streamContainer(path: JsonPath, kind: "object" | "array"): boolean {
    if (path.length <= 1) return true;
    if (path[0] !== "data") return false;
    if (path.length === 2) return typeof path[1] === "string";
    if (path[1] !== "metrics") return false;
    return path.length === 3 || (path.length === 4 && path[3] === "data" && kind === "array");
  }

  onOpen(path: JsonPath, kind: "object" | "array"): void {
    if (path.length === 0) this.rootKind = kind;
    else if (path.length === 1 && path[0] === "data" && kind === "array") this.families.add("hcgateway");
    else if (path.length === 1 && kind === "array" && HC_WEBHOOK_KEYS.has(path[0] as string)) this.families.add("hc_webhook");
    else if (path.length === 2 && path[0] === "data" && HAE_KEYS.has(path[1] as string)) this.families.add("hae");
  }

  onClose(path: JsonPath): void {
    if (path.length === 3 && path[1] === "metrics") this.hae.closeMetric(path[2] as number);
  }

  onValue(path: JsonPath, value: unknown): void {
    const [k0, k1, k2, k3] = path;
    if (path.length === 0) {
      this.rootKind = Array.isArray(value) ? "array" : typeof value;
      return;
    }
    if (k0 === "data") {
      if (path.length === 2 && typeof k1 === "number") return this.hc.gatewayRecord(value);
      if (path.length === 2) {
        if (EXPORTS_FIELDS.has(k1 as string) && typeof value === "number") {
          this.families.add("hc_exports");
          return this.hc.exportsField(k1 as string, value);
        }
        this.ignoredKeys.add(`data.${String(k1)}`);
        return;
      }
      if (k1 === "metrics") {
        if (path.length === 4) return this.hae.header(k2 as number, k3 as string, value);
        if (path.length === 5) return this.hae.point(k2 as number, value);
        if (path.length === 3) return this.out.skip(); // a metric that is not an object
        return;
      }
      if (path.length === 3) {
        if (k1 === "workouts") return this.hae.workout(value);
        return this.hae.other(k1 as string, value);
      }
      return;
    }
    if (path.length === 1) {
      if (k0 === "time") return this.hc.exportsField("time", value);
      if (k0 === "app_version") this.families.add("hc_webhook");
      if (k0 === "source" && value === "health_connect") this.lifeDashboard = true;
      return;
    }
    if (path.length === 2 && typeof k1 === "number") {
      if (HC_WEBHOOK_KEYS.has(k0 as string)) return this.hc.record(k0 as string, value);
      // Unknown record arrays: meaningful only if this turns out to be an HC Webhook payload.
      if (this.strays.length < 10_000) this.strays.push({ key: String(k0), value });
      else this.straysDropped++;
    }
  }

  /** Call after the JSON has ended: decides the format or throws UnsupportedPayloadError. */
  finish(): PayloadFormat {
    if (this.rootKind !== "object")
      throw new UnsupportedPayloadError(`The body is a JSON ${this.rootKind ?? "value"}, not an object.`);
    const families = [...this.families];
    if (this.families.has("hc_exports") && this.families.size === 1) this.hc.finishExports();
    if (families.length === 0) throw new UnsupportedPayloadError("The JSON object has none of the fields we recognise.");
    if (families.length > 1) throw new UnsupportedPayloadError(`The body mixes several payload shapes (${families.join(", ")}).`);
    const family = families[0];
    if (family === "hc_webhook") {
      for (const { key, value } of this.strays) this.hc.record(key, value);
      if (this.straysDropped) this.out.warn(`${this.straysDropped} records of unknown types beyond the first 10000 were dropped.`);
    } else if (this.strays.length) {
      this.out.warn(`Ignored top-level arrays: ${[...new Set(this.strays.map((s) => s.key))].join(", ")}.`);
    }
    if (this.ignoredKeys.size) this.out.warn(`Ignored fields: ${[...this.ignoredKeys].slice(0, 10).join(", ")}.`);
    switch (family) {
      case "hae":
        return "health_auto_export";
      case "hc_webhook":
        return this.lifeDashboard ? "health_connect_life_dashboard" : "health_connect_webhook";
      case "hc_exports":
        return "health_connect_exports";
      case "hcgateway":
        return "hcgateway";
    }
  }
}
