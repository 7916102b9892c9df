import { Tokenizer, TokenType } from "@streamparser/json";

/**
 * Streaming JSON reader with bounded memory. The caller decides, by path, which containers are
 * *streamed* (never held: their members are reported one by one and then dropped) and which are
 * *assembled* into a plain value and reported whole. A 100 MB Health Auto Export body is a few
 * streamed levels (`data.metrics[i].data`) around millions of tiny assembled points, so memory stays
 * at one point, not one body.
 *
 * Tokens come from @streamparser/json's Tokenizer (UTF-8 across chunk boundaries, escapes, numbers);
 * the grammar is checked here, so every syntax error carries its byte position.
 */

export type JsonKey = string | number;
export type JsonPath = readonly JsonKey[];

export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly position: number,
  ) {
    super(`Invalid JSON at byte ${position}: ${detail}`);
    this.name = "JsonSyntaxError";
  }
}

export type JsonHandlers = {
  /** True to stream the container at `path` (members reported individually), false to assemble it. */
  streamContainer(path: JsonPath, kind: "object" | "array"): boolean;
  /** A scalar or assembled value whose parent is streamed (or the root itself). */
  onValue(path: JsonPath, value: unknown): void;
  onOpen?(path: JsonPath, kind: "object" | "array"): void;
  onClose?(path: JsonPath, kind: "object" | "array"): void;
};

/** Deeper nesting is refused: nothing we accept needs it, and it keeps later recursion (JSON.stringify) safe. */
export const MAX_DEPTH = 64;

type State = "keyOrEnd" | "key" | "colon" | "value" | "valueOrEnd" | "commaOrEnd";
type Frame = {
  kind: "object" | "array";
  streamed: boolean;
  state: State;
  key: JsonKey;
  /** The value being assembled (assembled frames only). */
  value?: Record<string, unknown> | unknown[];
};

const T = TokenType;

export class JsonStreamReader {
  private readonly tokenizer = new Tokenizer();
  private readonly stack: Frame[] = [];
  /** Keys of the streamed frames, root first (the path of the innermost streamed container). */
  private readonly path: JsonKey[] = [];
  private rootDone = false;
  private bytes = 0;

  constructor(private readonly handlers: JsonHandlers) {
    this.tokenizer.onToken = ({ token, value, offset }) => this.token(token, value, offset);
  }

  /** Bytes written so far. */
  get position(): number {
    return this.bytes;
  }

  write(chunk: Uint8Array | string): void {
    try {
      this.tokenizer.write(chunk);
    } catch (err) {
      throw this.wrap(err);
    }
    this.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
  }

  end(): void {
    try {
      this.tokenizer.end();
    } catch (err) {
      throw this.wrap(err);
    }
    if (!this.rootDone)
      throw new JsonSyntaxError(this.bytes === 0 ? "the body is empty" : "unexpected end of input", this.bytes);
  }

  private wrap(err: unknown): unknown {
    if (err instanceof JsonSyntaxError || !(err instanceof Error)) return err;
    const m = /^Unexpected (".*?"|end) at chunk position "\d+" \(absolute position "(\d+)"\)/s.exec(err.message);
    if (m) return new JsonSyntaxError(`unexpected ${m[1] === "end" ? "end of input" : m[1]}`, Number(m[2]));
    if (/ended|end of/i.test(err.message)) return new JsonSyntaxError("unexpected end of input", this.bytes);
    return err;
  }

  private token(token: TokenType, value: unknown, offset: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (this.rootDone) throw unexpected(value, offset);
      return this.beginValue(token, value, offset);
    }
    switch (top.state) {
      case "keyOrEnd":
      case "key":
        if (token === T.STRING) {
          top.key = clean(value as string);
          top.state = "colon";
        } else if (token === T.RIGHT_BRACE && top.state === "keyOrEnd") this.close(offset);
        else throw unexpected(value, offset);
        return;
      case "colon":
        if (token !== T.COLON) throw unexpected(value, offset);
        top.state = "value";
        return;
      case "valueOrEnd":
        if (token === T.RIGHT_BRACKET) return this.close(offset);
        return this.beginValue(token, value, offset);
      case "value":
        return this.beginValue(token, value, offset);
      case "commaOrEnd":
        if (token === T.COMMA) top.state = top.kind === "object" ? "key" : "value";
        else if (token === (top.kind === "object" ? T.RIGHT_BRACE : T.RIGHT_BRACKET)) this.close(offset);
        else throw unexpected(value, offset);
        return;
    }
  }

  private beginValue(token: TokenType, value: unknown, offset: number): void {
    if (token === T.LEFT_BRACE || token === T.LEFT_BRACKET) {
      const kind = token === T.LEFT_BRACE ? "object" : "array";
      if (this.stack.length >= MAX_DEPTH) throw new JsonSyntaxError(`nesting deeper than ${MAX_DEPTH} levels`, offset);
      const parent = this.stack[this.stack.length - 1];
      const key = parent ? parent.key : "";
      let streamed = false;
      if (!parent || parent.streamed) {
        const path = parent ? [...this.path, key] : [];
        streamed = this.handlers.streamContainer(path, kind);
        if (streamed) {
          if (parent) this.path.push(key);
          this.handlers.onOpen?.(this.path, kind);
        }
      }
      this.stack.push({
        kind,
        streamed,
        state: kind === "object" ? "keyOrEnd" : "valueOrEnd",
        key: kind === "array" ? 0 : "",
        value: streamed ? undefined : kind === "object" ? {} : [],
      });
      return;
    }
    if (token === T.STRING) return this.complete(clean(value as string));
    if (token === T.NUMBER || token === T.TRUE || token === T.FALSE || token === T.NULL) return this.complete(value);
    throw unexpected(value, offset);
  }

  private close(offset: number): void {
    const frame = this.stack.pop()!;
    if (frame.streamed) {
      this.handlers.onClose?.(this.path, frame.kind);
      if (this.stack.length) this.path.pop();
      this.afterMember();
    } else this.complete(frame.value);
    void offset;
  }

  /** A member value is complete: attach it to an assembled parent or report it. */
  private complete(value: unknown): void {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) {
      this.rootDone = true;
      this.handlers.onValue([], value);
      return;
    }
    if (parent.streamed) this.handlers.onValue([...this.path, parent.key], value);
    else if (parent.kind === "array") (parent.value as unknown[]).push(value);
    else setMember(parent.value as Record<string, unknown>, parent.key as string, value);
    this.afterMember();
  }

  private afterMember(): void {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) {
      this.rootDone = true;
      return;
    }
    if (parent.kind === "array") parent.key = (parent.key as number) + 1;
    parent.state = "commaOrEnd";
  }
}

function unexpected(value: unknown, offset: number): JsonSyntaxError {
  return new JsonSyntaxError(`unexpected ${typeof value === "string" ? JSON.stringify(value) : String(value)}`, offset);
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  // Like JSON.parse: "__proto__" is an ordinary own property, never the prototype.
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** PostgreSQL text and jsonb cannot hold U+0000; it carries no meaning in health data. */
function clean(s: string): string {
  return s.includes("\u0000") ? s.replaceAll("\u0000", "") : s;
}

/** Reads a whole JSON text with the same rules (small bodies, tests). */
export function parseJsonStreaming(text: string | Uint8Array, handlers: JsonHandlers): void {
  const reader = new JsonStreamReader(handlers);
  reader.write(text);
  reader.end();
}
