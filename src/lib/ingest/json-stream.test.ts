import { describe, expect, it } from "vitest";
import { JsonStreamReader, JsonSyntaxError, MAX_DEPTH, type JsonPath } from "./json-stream";

/** Reads `text` in chunks of `size` bytes, assembling everything (streams nothing). */
function readAll(text: string, size = 7): unknown {
  let out: unknown;
  const reader = new JsonStreamReader({ streamContainer: () => false, onValue: (_p, v) => (out = v) });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) reader.write(bytes.subarray(i, i + size));
  reader.end();
  return out;
}

function errorOf(text: string, size = 3): JsonSyntaxError {
  try {
    readAll(text, size);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
  throw new Error(`no error for ${text}`);
}

describe("JsonStreamReader", () => {
  const docs = [
    '{"a":[1,2.5e3,-0.25,true,false,null,"x\\u00e9\\n\\"q\\""],"b":{"c":{}},"d":[]}',
    '  [ {"ü": "✓ 🏃"} , [[]] ] ',
    '"just a string"',
    "42",
    '{"__proto__": {"polluted": true}, "k": 1}',
  ];

  it.each(docs)("assembles %s exactly like JSON.parse, at any chunk size", (doc) => {
    for (const size of [1, 2, 5, 64]) expect(readAll(doc, size)).toEqual(JSON.parse(doc));
  });

  it("never lets __proto__ become a prototype", () => {
    const v = readAll('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect((v as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });

  it("removes U+0000, which PostgreSQL cannot store", () => {
    expect(readAll('{"a\\u0000b": "x\\u0000y"}')).toEqual({ ab: "xy" });
    expect(readAll('[{"a\\u0000b": ["x\\u0000y"]}]')).toEqual([{ ab: ["xy"] }]);
  });

  it("reports errors inside a streamed level and inside an assembled member at their byte", () => {
    const streamed = (text: string) => {
      const reader = new JsonStreamReader({ streamContainer: (path) => path.length < 2, onValue: () => {} });
      try {
        reader.write(text);
        reader.end();
      } catch (err) {
        return err as JsonSyntaxError;
      }
      throw new Error(`no error for ${text}`);
    };
    expect(streamed('{"a": [{"b": 1}, {"b": 2,}]}')).toMatchObject({ position: 25, detail: 'unexpected "}"' });
    expect(streamed('{"a": [1, nul]}')).toMatchObject({ position: 13, detail: 'unexpected "]"' });
    expect(streamed('{"a": [1, x]}')).toMatchObject({ position: 10, detail: 'unexpected "x"' });
    expect(streamed('{"a": [{"b": "unterminated')).toMatchObject({ detail: "unexpected end of input" });
  });

  it.each([1, 3, 1000])("streams chosen containers and reports their members with paths (chunks of %i bytes)", (size) => {
    const events: Array<[string, JsonPath, unknown?]> = [];
    const reader = new JsonStreamReader({
      streamContainer: (path) => path.length < 2 || (path[1] === "list" && path.length === 2),
      onValue: (path, value) => events.push(["value", [...path], value]),
      onOpen: (path, kind) => events.push(["open", [...path], kind]),
      onClose: (path, kind) => events.push(["close", [...path], kind]),
    });
    const bytes = Buffer.from('{"data":{"list":[{"a":1},{"b":[2]}],"n":3},"t":"x"}');
    for (let i = 0; i < bytes.length; i += size) reader.write(bytes.subarray(i, i + size));
    reader.end();
    expect(events).toEqual([
      ["open", [], "object"],
      ["open", ["data"], "object"],
      ["open", ["data", "list"], "array"],
      ["value", ["data", "list", 0], { a: 1 }],
      ["value", ["data", "list", 1], { b: [2] }],
      ["close", ["data", "list"], "array"],
      ["value", ["data", "n"], 3],
      ["close", ["data"], "object"],
      ["value", ["t"], "x"],
      ["close", [], "object"],
    ]);
  });

  it.each([
    ['{"a": [1, 2,, 3]}', 12, 'unexpected ","'],
    ['{"a": 1,}', 8, 'unexpected "}"'],
    ['{"a" 1}', 5, "unexpected 1"],
    ['{"a": tru}', 9, 'unexpected "}"'],
    ['{"a": 1} x', 9, 'unexpected "x"'],
    ['{"a": 1} {}', 9, 'unexpected "{"'],
    ["[1 2]", 3, "unexpected 2"],
    ['{1: 2}', 1, "unexpected 1"],
  ])("reports %s at byte %i", (doc, position, detail) => {
    const err = errorOf(doc);
    expect(err.position).toBe(position);
    expect(err.detail).toBe(detail);
    expect(err.message).toBe(`Invalid JSON at byte ${position}: ${detail}`);
  });

  it("reports truncated and empty input at its end", () => {
    expect(errorOf('{"a": [1, 2')).toMatchObject({ position: 11, detail: "unexpected end of input" });
    expect(errorOf('{"a": "unterminated')).toMatchObject({ detail: "unexpected end of input" });
    expect(errorOf("")).toMatchObject({ position: 0, detail: "the body is empty" });
    expect(errorOf("   ")).toMatchObject({ position: 3, detail: "unexpected end of input" });
  });

  it("counts positions in bytes across chunks and multi-byte characters", () => {
    const doc = '{"name": "Irvin’s Apple Watch", "x": ]}';
    const position = Buffer.byteLength('{"name": "Irvin’s Apple Watch", "x": ');
    for (const size of [1, 4, 1000]) expect(errorOf(doc, size).position).toBe(position);
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}`, () => {
    expect(readAll("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH))).toBeDefined();
    expect(errorOf("[".repeat(MAX_DEPTH + 1) + "]".repeat(MAX_DEPTH + 1), 1000)).toMatchObject({
      position: MAX_DEPTH,
      detail: `nesting deeper than ${MAX_DEPTH} levels`,
    });
  });
});
