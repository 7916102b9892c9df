import { Tokenizer, TokenType } from "@streamparser/json";

/**
 * Streaming JSON reader with bounded memory. The caller decides, by path, which containers are
 * *streamed* (never held: their members are reported one by one and then dropped) and which are
 * *assembled* into a plain value and reported whole. A 100 MB Health Auto Export body is a few
 * streamed levels (`data.metrics[i].data`) around millions of tiny assembled points, so memory stays
 * at one point, not one body.
 *
 * Speed (issue 17): the bytes of an assembled value are only scanned for its end (brackets outside
 * strings) and handed to `JSON.parse`, which builds it several times faster than a token stream; the
 * few tokens of the streamed levels are cut here too. Only when `JSON.parse` refuses a value are its
 * bytes replayed through @streamparser/json's Tokenizer (`TokenReader`) and the grammar below, which
 * name the exact byte and token — so a syntax error costs nothing until there is one.
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

/** The grammar over tokens: which container streams, paths, assembling, errors. */
abstract class Grammar {
  protected readonly stack: Frame[] = [];
  /** Keys of the streamed frames, root first (the path of the innermost streamed container). */
  protected readonly path: JsonKey[] = [];
  protected rootDone = false;
  protected bytes = 0;

  constructor(protected readonly handlers: JsonHandlers) {}

  /** Bytes written so far. */
  get position(): number {
    return this.bytes;
  }

  /** A container that is not streamed begins at `offset`: the fast reader takes over its bytes. */
  protected assemble?(kind: "object" | "array", offset: number): void;

  protected token(token: TokenType, value: unknown, offset: number): void {
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
        } else if (this.assemble) return this.assemble(kind, offset);
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
  protected complete(value: unknown): void {
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

/** Tokens from @streamparser/json: the exact error for bytes `JSON.parse` refused. */
class TokenReader extends Grammar {
  private readonly tokenizer = new Tokenizer();

  constructor(handlers: JsonHandlers, private readonly base = 0, depth = 0) {
    super(handlers);
    this.tokenizer.onToken = ({ token, value, offset }) => this.token(token, value, base + offset);
    // Streamed frames above the replayed value count towards MAX_DEPTH.
    for (let i = 0; i < depth; i++) this.stack.push({ kind: "array", streamed: true, state: "value", key: 0 });
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
    if (m) return new JsonSyntaxError(`unexpected ${m[1] === "end" ? "end of input" : m[1]}`, this.base + Number(m[2]));
    if (/ended|end of/i.test(err.message)) return new JsonSyntaxError("unexpected end of input", this.base + this.bytes);
    return err;
  }

  /**
   * The value in `bytes` (which start at byte `base` of the body, `depth` containers deep), read
   * token by token: its exact syntax error, or the value when the tokenizer accepts what
   * `JSON.parse` did not.
   */
  static replay(bytes: Uint8Array, base: number, depth: number): unknown {
    let out: unknown;
    let done = false;
    const reader = new TokenReader({ streamContainer: () => false, onValue: (_p, v) => ((out = v), (done = true)) }, base, depth);
    reader.write(bytes);
    try {
      reader.tokenizer.end();
    } catch (err) {
      throw reader.wrap(err);
    }
    if (!done) throw new JsonSyntaxError("unexpected end of input", base + bytes.byteLength);
    return out;
  }
}

// Bytes the scanner tests.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Bytes of a number or a literal (true, false, null) — and of the garbage we must report. */
const isBare = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x2b || b === 0x2e;
const PUNCTUATION: Record<number, TokenType> = {
  [OPEN_BRACE]: T.LEFT_BRACE,
  [CLOSE_BRACE]: T.RIGHT_BRACE,
  [OPEN_BRACKET]: T.LEFT_BRACKET,
  [CLOSE_BRACKET]: T.RIGHT_BRACKET,
  [COMMA]: T.COMMA,
  [COLON]: T.COLON,
};
const LITERALS: Record<string, [TokenType, unknown]> = { true: [T.TRUE, true], false: [T.FALSE, false], null: [T.NULL, null] };
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A piece that began in an earlier chunk: an assembled container, a string or a bare word. */
type Pending = {
  kind: "container" | "string" | "bare";
  /** Body offset of its first byte. */
  start: number;
  parts: Buffer[];
  depth: number;
  inString: boolean;
  escaped: boolean;
};

export class JsonStreamReader extends Grammar {
  private pending: Pending | null = null;

  write(chunk: Uint8Array | string): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.bytes;
    let i = 0;
    while (i < buf.length) {
      if (this.pending) {
        i = this.scan(buf, i, base);
        continue;
      }
      const b = buf[i];
      if (isSpace(b)) {
        i++;
        continue;
      }
      const at = base + i;
      const punctuation = PUNCTUATION[b];
      if (punctuation !== undefined) {
        i++;
        // Opening an assembled container starts a pending piece (see assemble).
        this.token(punctuation, String.fromCharCode(b), at);
        continue;
      }
      if (b === QUOTE) this.pending = { kind: "string", start: at, parts: [], depth: 0, inString: true, escaped: false };
      else if (isBare(b)) this.pending = { kind: "bare", start: at, parts: [], depth: 0, inString: false, escaped: false };
      else throw unexpected(buf.toString("utf8", i, i + 1), at);
      i = this.scan(buf, i + 1, base);
    }
    // A container opened by the chunk's last byte: nothing scanned yet, keep that byte.
    const p = this.pending;
    if (p && !p.parts.length) p.parts.push(Buffer.from(buf.subarray(p.start - base)));
    this.bytes += buf.length;
  }

  end(): void {
    const p = this.pending;
    if (p?.kind === "bare") {
      this.pending = null;
      this.finishBare(Buffer.concat(p.parts), p.start, null);
    } else if (p) {
      // Replaying the unfinished piece names what is missing, else it is the end of input.
      if (p.kind === "container") TokenReader.replay(Buffer.concat(p.parts), p.start, this.stack.length);
      throw new JsonSyntaxError("unexpected end of input", this.bytes);
    }
    if (!this.rootDone)
      throw new JsonSyntaxError(this.bytes === 0 ? "the body is empty" : "unexpected end of input", this.bytes);
  }

  protected override assemble(_kind: "object" | "array", offset: number): void {
    this.pending = { kind: "container", start: offset, parts: [], depth: 1, inString: false, escaped: false };
  }

  /**
   * Scans the pending piece from `buf[i]` on; returns where scanning stopped (its end, or the end of
   * the chunk with the piece kept for the next one).
   */
  private scan(buf: Buffer, i: number, base: number): number {
    const p = this.pending!;
    const from = p.parts.length ? 0 : p.start - base;
    let { depth, inString, escaped } = p;
    let end = -1;
    if (p.kind === "bare") {
      while (i < buf.length && isBare(buf[i])) i++;
      if (i < buf.length) end = i;
    } else if (p.kind === "string") {
      for (; i < buf.length; i++) {
        const b = buf[i];
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) {
          end = i + 1;
          break;
        }
      }
    } else {
      for (; i < buf.length; i++) {
        const b = buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
        } else if (b === QUOTE) inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          if (this.stack.length + depth >= MAX_DEPTH) throw new JsonSyntaxError(`nesting deeper than ${MAX_DEPTH} levels`, base + i);
          depth++;
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          if (--depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
    }
    if (end < 0) {
      p.parts.push(Buffer.from(buf.subarray(from))); // a copy: the caller may reuse its chunk
      Object.assign(p, { depth, inString, escaped });
      return buf.length;
    }
    const bytes = p.parts.length ? Buffer.concat([...p.parts, buf.subarray(0, end)]) : buf.subarray(from, end);
    this.pending = null;
    if (p.kind === "bare") this.finishBare(bytes, p.start, buf.toString("utf8", end, end + 1));
    else if (p.kind === "string") this.token(T.STRING, this.parse(bytes, p.start) as string, p.start);
    else this.complete(this.parse(bytes, p.start));
    return end;
  }

  /** `JSON.parse` of one piece; the token reader's exact error when it refuses. */
  private parse(bytes: Buffer, start: number): unknown {
    const text = bytes.toString("utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = TokenReader.replay(bytes, start, this.stack.length);
    }
    return text.includes("\\u0000") ? cleanDeep(value) : value;
  }

  /** A number or literal; `next` is the byte after it (null at the end of input). */
  private finishBare(bytes: Buffer, start: number, next: string | null): void {
    const word = bytes.toString("latin1");
    const literal = LITERALS[word];
    if (literal) return this.token(literal[0], literal[1], start);
    if (NUMBER.test(word)) return this.token(T.NUMBER, Number(word), start);
    // Name the first byte that cannot continue the literal (or number) it began, as the tokenizer does.
    const target = Object.keys(LITERALS).find((l) => l[0] === word[0]);
    if (!target && !/^[-\d]/.test(word)) throw unexpected(word[0], start);
    let k = 1;
    if (target) while (k < word.length && word[k] === target[k]) k++;
    else while (k < word.length && NUMBER.test(word.slice(0, k + 1))) k++;
    if (k < word.length) throw unexpected(word[k], start + k);
    if (next === null) throw new JsonSyntaxError("unexpected end of input", start + k);
    throw unexpected(next, start + k);
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

/** `clean` on every string and key of a parsed value. */
function cleanDeep(value: unknown): unknown {
  if (typeof value === "string") return clean(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setMember(out, clean(k), cleanDeep(v));
  return out;
}

/** Reads a whole JSON text with the same rules (small bodies, tests). */
export function parseJsonStreaming(text: string | Uint8Array, handlers: JsonHandlers): void {
  const reader = new JsonStreamReader(handlers);
  reader.write(text);
  reader.end();
}
