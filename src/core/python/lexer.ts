// Python 3 tokenizer: produces the token stream the parser reads (NEWLINE/INDENT/DEDENT included),
// the comments with their ranges, and lexical errors in CPython's wording. Never throws.
import type { Comment, SyntaxIssue } from './ast';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'dedent' | 'eof';

/** An f-string replacement field's expression: source offsets [start, end) and where it begins. */
export interface FStringField {
  start: number;
  end: number;
  line: number;
  col: number;
}
/** Literal text (escapes decoded) or an embedded expression to parse. */
export type FStringPart = string | FStringField;

export interface Token {
  kind: TokenKind;
  /** name and op text; number source text; decoded string value (literal parts only for f-strings). */
  value: string;
  /** Source offsets, end exclusive. */
  start: number;
  end: number;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Numbers: the value (the imaginary part for complex) and its kind. */
  num: number;
  numKind: 'int' | 'float' | 'complex' | null;
  /** Strings: b'' prefix. */
  isBytes: boolean;
  /** f-strings: the literal and expression parts in order; null for other tokens. */
  fparts: FStringPart[] | null;
}

/** A lexical error; offset locates it for the parser's one-error-per-statement rule. */
export interface LexError extends SyntaxIssue {
  offset: number;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  errors: LexError[];
}

export interface LexOptions {
  /** Offsets of the slice to tokenize (default: the whole source). */
  start?: number;
  end?: number;
  /** Line number at `start` and the offset where that line begins (for columns). */
  line?: number;
  lineStart?: number;
  /** Expression mode (f-string fields): no NEWLINE/INDENT/DEDENT, newlines ignored, comments not collected. */
  expression?: boolean;
}

/** CPython's limits: MAXLEVEL (brackets) and MAXINDENT. */
const MAX_BRACKET_DEPTH = 200;
const MAX_INDENT_DEPTH = 100;
/** Nested f-strings inside replacement fields (3.12 allows same quotes): bounded so recursion stays shallow. */
const MAX_FSTRING_NESTING = 32;

const ID_START_RE = /\p{ID_Start}/u;
const ID_CONTINUE_RE = /\p{ID_Continue}/u;

/** Keywords that can never appear inside an expression: seeing one at the start of a line inside brackets
 * means a bracket was left open (the statement is re-read from that line). */
const STATEMENT_ONLY_KEYWORDS = new Set([
  'def', 'class', 'return', 'import', 'pass', 'raise', 'del', 'assert', 'with', 'while', 'try', 'except',
  'finally', 'global', 'nonlocal', 'break', 'continue', 'elif',
]);
/** Keywords CPython accepts right after a number (`1if x else 2`). */
const KEYWORDS_AFTER_NUMBER = new Set(['and', 'else', 'for', 'if', 'in', 'is', 'not', 'or']);

const STRING_PREFIXES: Record<string, { raw: boolean; bytes: boolean; f: boolean }> = {
  '': { raw: false, bytes: false, f: false },
  r: { raw: true, bytes: false, f: false },
  u: { raw: false, bytes: false, f: false },
  b: { raw: false, bytes: true, f: false },
  br: { raw: true, bytes: true, f: false },
  rb: { raw: true, bytes: true, f: false },
  f: { raw: false, bytes: false, f: true },
  fr: { raw: true, bytes: false, f: true },
  rf: { raw: true, bytes: false, f: true },
};

const CLOSER_OF: Record<number, number> = { 40: 41, 91: 93, 123: 125 };

type FieldResult = 'ok' | 'eol' | 'eof' | 'quote' | 'bad';

interface LexSnapshot {
  pos: number;
  line: number;
  lineStart: number;
  tokens: number;
  comments: number;
  errors: number;
  brackets: { ch: number; tok: Token }[];
}

/** Unclosed-bracket recoveries by re-reading from a remembered line: each costs a re-lex of the rest. */
const MAX_RESTORES = 16;

function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isAsciiIdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isNewline(c: number): boolean {
  return c === 10 || c === 13;
}

export function tokenize(source: string, options: LexOptions = {}): LexResult {
  const lexer = new Lexer(source, options);
  lexer.run();
  return { tokens: lexer.tokens, comments: lexer.comments, errors: lexer.errors };
}

class Lexer {
  readonly tokens: Token[] = [];
  readonly comments: Comment[] = [];
  readonly errors: LexError[] = [];
  private readonly src: string;
  private pos: number;
  private readonly end: number;
  private line: number;
  private lineStart: number;
  private readonly exprMode: boolean;
  private atLineStart: boolean;
  /** Open brackets: their char code and token (for "'(' was never closed"). */
  private readonly brackets: { ch: number; tok: Token }[] = [];
  private readonly indents: number[] = [0];
  /** Indentation with tab size 1: a disagreement with `indents` is CPython's TabError. */
  private readonly altIndents: number[] = [0];
  /** Inside brackets, just after a newline: the next token is the first of its physical line. */
  private bracketNewLine = false;
  /** Indentation of the logical line where the outermost open bracket was opened. */
  private groupIndent = 0;
  /** Inside brackets, a line that looks like a new assignment at the opener's indentation or less: where to end
   * the bracket group if it is still open at EOF (valid code never gets there). */
  private candidate: LexSnapshot | null = null;
  private restores = 0;
  private fstringNesting = 0;
  /** >0 while skipping nested strings inside f-string fields: their errors come when the field is parsed. */
  private quiet = 0;

  constructor(source: string, options: LexOptions) {
    this.src = source;
    this.pos = options.start ?? 0;
    this.end = Math.min(options.end ?? source.length, source.length);
    this.line = options.line ?? 1;
    this.lineStart = options.lineStart ?? this.pos;
    this.exprMode = options.expression ?? false;
    this.atLineStart = !this.exprMode;
  }

  run(): void {
    const src = this.src;
    if (!this.exprMode && this.pos === 0 && src.charCodeAt(0) === 0xfeff) {
      // Editors do not count the BOM in columns.
      this.pos = 1;
      this.lineStart = 1;
    }
    while (true) {
      if (this.atLineStart && this.brackets.length === 0) {
        if (!this.beginLine()) {
          if (this.pos >= this.end && !this.restoreCandidate()) break;
          continue;
        }
      }
      if (this.pos >= this.end) {
        if (this.restoreCandidate()) continue;
        break;
      }
      const c = src.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 12) {
        this.pos++;
        continue;
      }
      if (isNewline(c)) {
        if (this.brackets.length > 0 || this.exprMode) {
          this.consumeNewline();
          if (!this.exprMode) this.bracketNewLine = true;
          continue;
        }
        const len = c === 13 && src.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        this.push('newline', '', this.pos, this.pos + len, this.line, this.pos - this.lineStart, this.line, this.pos - this.lineStart + len);
        this.consumeNewline();
        this.atLineStart = true;
        continue;
      }
      if (c === 35 /* # */) {
        this.lexComment();
        continue;
      }
      if (c === 92 /* \ */) {
        const n = this.pos + 1;
        if (n < this.end && isNewline(src.charCodeAt(n))) {
          this.pos = n;
          this.consumeNewline();
          continue;
        }
        if (n >= this.end) this.error('unexpected EOF while parsing', this.pos, 1);
        else this.error('unexpected character after line continuation character', this.pos, 1);
        this.pos++;
        continue;
      }
      if (this.bracketNewLine) {
        this.bracketNewLine = false;
        if (this.startsStatementKeyword()) {
          this.closeBracketsForRecovery();
          continue;
        }
        if (this.candidate === null && this.restores < MAX_RESTORES && this.startsAssignment()) {
          this.candidate = {
            pos: this.lineStart, line: this.line, lineStart: this.lineStart, tokens: this.tokens.length,
            comments: this.comments.length, errors: this.errors.length, brackets: this.brackets.slice(),
          };
        }
      }
      if (isAsciiIdStart(c) || (c >= 128 && this.idLength(this.pos, true) > 0)) {
        this.lexNameOrString();
        continue;
      }
      if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(this.pos + 1)))) {
        this.lexNumber();
        continue;
      }
      if (c === 39 || c === 34) {
        this.lexString(this.pos, this.pos, '');
        continue;
      }
      this.lexOperator(c);
    }
    this.finish();
  }

  // ---------- lines and indentation ----------

  /** At the start of a physical line outside brackets: measures indentation and emits INDENT/DEDENT.
   * Returns false when the line is blank or a comment only (consumed, no tokens). */
  private beginLine(): boolean {
    const src = this.src;
    let col = 0;
    let alt = 0;
    let p = this.pos;
    while (p < this.end) {
      const c = src.charCodeAt(p);
      if (c === 32) {
        col++;
        alt++;
      } else if (c === 9) {
        col = ((col >> 3) + 1) << 3;
        alt++;
      } else if (c === 12) {
        col = 0;
        alt = 0;
      } else break;
      p++;
    }
    this.pos = p;
    if (p >= this.end) return false;
    const c = src.charCodeAt(p);
    if (c === 35) {
      this.lexComment();
      if (this.pos < this.end) this.consumeNewline();
      return false;
    }
    if (isNewline(c)) {
      this.consumeNewline();
      return false;
    }
    this.atLineStart = false;
    const indents = this.indents;
    const alts = this.altIndents;
    const top = indents[indents.length - 1];
    const at = this.pos - this.lineStart;
    if (col === top) {
      if (alt !== alts[alts.length - 1]) this.errorAt('inconsistent use of tabs and spaces in indentation', this.line, 0, at);
    } else if (col > top) {
      if (alt <= alts[alts.length - 1]) this.errorAt('inconsistent use of tabs and spaces in indentation', this.line, 0, at);
      if (indents.length > MAX_INDENT_DEPTH) this.errorAt('too many levels of indentation', this.line, 0, at);
      indents.push(col);
      alts.push(alt);
      this.push('indent', '', this.pos, this.pos, this.line, at, this.line, at);
    } else {
      while (indents.length > 1 && col < indents[indents.length - 1]) {
        indents.pop();
        alts.pop();
        this.push('dedent', '', this.pos, this.pos, this.line, at, this.line, at);
      }
      if (col !== indents[indents.length - 1]) {
        this.errorAt('unindent does not match any outer indentation level', this.line, 0, at);
      } else if (alt !== alts[alts.length - 1]) {
        this.errorAt('inconsistent use of tabs and spaces in indentation', this.line, 0, at);
      }
    }
    return true;
  }

  private consumeNewline(): void {
    const src = this.src;
    if (src.charCodeAt(this.pos) === 13 && src.charCodeAt(this.pos + 1) === 10) this.pos += 2;
    else this.pos += 1;
    this.line++;
    this.lineStart = this.pos;
  }

  private lexComment(): void {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    while (p < this.end) {
      const c = src.charCodeAt(p);
      if (c === 10 || c === 13) break;
      p++;
    }
    this.pos = p;
    if (this.exprMode) return;
    const col = start - this.lineStart;
    this.comments.push({
      text: src.slice(start + 1, p),
      range: { line: this.line, column: col, endLine: this.line, endColumn: col + (p - start) },
    });
  }

  /** Inside brackets, a line starts with a statement-only keyword: the brackets were never closed. */
  private startsStatementKeyword(): boolean {
    const src = this.src;
    let p = this.pos;
    while (p < this.end && isAsciiIdChar(src.charCodeAt(p))) p++;
    if (p === this.pos || p - this.pos > 8) return false;
    return STATEMENT_ONLY_KEYWORDS.has(src.slice(this.pos, p));
  }

  /** `name = ...` or `a.b = ...` at no more than the bracket opener's indentation. */
  private startsAssignment(): boolean {
    const src = this.src;
    let indent = 0;
    for (let p = this.lineStart; p < this.pos; p++) {
      const c = src.charCodeAt(p);
      indent = c === 9 ? ((indent >> 3) + 1) << 3 : c === 12 ? 0 : indent + 1;
    }
    if (indent > this.groupIndent) return false;
    let p = this.pos;
    while (true) {
      if (!isAsciiIdStart(src.charCodeAt(p))) return false;
      while (p < this.end && isAsciiIdChar(src.charCodeAt(p))) p++;
      if (src.charCodeAt(p) !== 46) break;
      p++;
    }
    while (src.charCodeAt(p) === 32 || src.charCodeAt(p) === 9) p++;
    return src.charCodeAt(p) === 61 && src.charCodeAt(p + 1) !== 61;
  }

  /** At EOF with brackets still open: go back to the remembered line and end the bracket group there. */
  private restoreCandidate(): boolean {
    const c = this.candidate;
    if (c === null || this.brackets.length === 0) return false;
    this.candidate = null;
    this.restores++;
    this.tokens.length = c.tokens;
    this.comments.length = c.comments;
    this.errors.length = c.errors;
    this.pos = c.pos;
    this.line = c.line;
    this.lineStart = c.lineStart;
    this.brackets.length = 0;
    this.brackets.push(...c.brackets);
    this.bracketNewLine = false;
    this.atLineStart = false;
    this.closeBracketsForRecovery();
    return true;
  }

  /** Reports the innermost open bracket, ends the logical line before this one and re-reads this line. */
  private closeBracketsForRecovery(): void {
    const open = this.brackets[this.brackets.length - 1].tok;
    this.errorAt(`'${open.value}' was never closed`, open.line, open.col, open.endCol, open.start);
    this.brackets.length = 0;
    this.candidate = null;
    this.push('newline', '', this.lineStart, this.lineStart, this.line, 0, this.line, 0);
    this.pos = this.lineStart;
    this.atLineStart = true;
  }

  private finish(): void {
    const col = this.pos - this.lineStart;
    if (this.brackets.length > 0) {
      const open = this.brackets[this.brackets.length - 1].tok;
      this.errorAt(`'${open.value}' was never closed`, open.line, open.col, open.endCol, open.start);
      this.brackets.length = 0;
    }
    if (!this.exprMode) {
      const last = this.tokens[this.tokens.length - 1];
      if (last && last.kind !== 'newline' && last.kind !== 'dedent' && last.kind !== 'indent') {
        this.push('newline', '', this.pos, this.pos, this.line, col, this.line, col);
      }
      while (this.indents.length > 1) {
        this.indents.pop();
        this.push('dedent', '', this.pos, this.pos, this.line, col, this.line, col);
      }
    }
    this.push('eof', '', this.pos, this.pos, this.line, col, this.line, col);
  }

  // ---------- tokens ----------

  private push(kind: TokenKind, value: string, start: number, end: number, line: number, col: number, endLine: number, endCol: number): Token {
    const t: Token = { kind, value, start, end, line, col, endLine, endCol, num: 0, numKind: null, isBytes: false, fparts: null };
    this.tokens.push(t);
    return t;
  }

  /** A token on the current line from `start` to the current position. */
  private pushHere(kind: TokenKind, value: string, start: number): Token {
    const col = start - this.lineStart;
    return this.push(kind, value, start, this.pos, this.line, col, this.line, col + (this.pos - start));
  }

  /** Length in UTF-16 units of the identifier character at p, 0 if there is none. */
  private idLength(p: number, first: boolean): number {
    const c = this.src.charCodeAt(p);
    if (c < 128) return (first ? isAsciiIdStart(c) : isAsciiIdChar(c)) ? 1 : 0;
    const cp = this.src.codePointAt(p)!;
    const ch = String.fromCodePoint(cp);
    return (first ? ID_START_RE : ID_CONTINUE_RE).test(ch) ? ch.length : 0;
  }

  private scanIdentifier(): void {
    const src = this.src;
    let p = this.pos;
    p += this.idLength(p, true) || 1;
    while (p < this.end) {
      const c = src.charCodeAt(p);
      if (isAsciiIdChar(c)) {
        p++;
        continue;
      }
      if (c < 128) break;
      const n = this.idLength(p, false);
      if (n === 0) break;
      p += n;
    }
    this.pos = Math.min(p, this.end);
  }

  private lexNameOrString(): void {
    const start = this.pos;
    this.scanIdentifier();
    const src = this.src;
    const q = src.charCodeAt(this.pos);
    if ((q === 39 || q === 34) && this.pos - start <= 2 && this.pos < this.end) {
      const prefix = src.slice(start, this.pos).toLowerCase();
      if (prefix in STRING_PREFIXES) {
        this.lexString(start, this.pos, prefix);
        return;
      }
    }
    let name = src.slice(start, this.pos);
    // Python compares identifiers after NFKC normalization (ｗｉｄｔｈ is width).
    if (/[^\x00-\x7f]/.test(name)) name = name.normalize('NFKC');
    this.pushHere('name', name, start);
  }

  private lexNumber(): void {
    const src = this.src;
    const start = this.pos;
    let p = start;
    let kind: 'int' | 'float' | 'complex' = 'int';
    let invalid: string | null = null;
    const c0 = src.charCodeAt(p);
    const c1 = src.charCodeAt(p + 1) | 0x20;
    if (c0 === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
      const name = c1 === 120 ? 'hexadecimal' : c1 === 111 ? 'octal' : 'binary';
      const ok = c1 === 120 ? isHexDigit : c1 === 111 ? (c: number) => c >= 48 && c <= 55 : (c: number) => c === 48 || c === 49;
      p += 2;
      let digits = 0;
      while (p < this.end) {
        const c = src.charCodeAt(p);
        if (ok(c)) digits++;
        else if (c === 95 && ok(src.charCodeAt(p + 1))) {
          /* separator between digits */
        } else break;
        p++;
      }
      if (digits === 0 || (p < this.end && (isAsciiIdChar(src.charCodeAt(p)) || isDigit(src.charCodeAt(p))))) {
        invalid = `invalid ${name} literal`;
        while (p < this.end && isAsciiIdChar(src.charCodeAt(p))) p++;
      }
    } else {
      p = this.scanDigits(p);
      if (src.charCodeAt(p) === 46) {
        kind = 'float';
        p = this.scanDigits(p + 1);
      }
      const e = src.charCodeAt(p) | 0x20;
      if (e === 101) {
        let q = p + 1;
        const sign = src.charCodeAt(q);
        if (sign === 43 || sign === 45) q++;
        if (isDigit(src.charCodeAt(q))) {
          kind = 'float';
          p = this.scanDigits(q);
        }
      }
      if ((src.charCodeAt(p) | 0x20) === 106) {
        kind = 'complex';
        p++;
      }
      const text = src.slice(start, p);
      if (/(?<![0-9])_|_(?![0-9])/.test(text)) invalid = 'invalid decimal literal';
      else if (kind === 'int' && text.length > 1 && text.charCodeAt(0) === 48 && /[1-9]/.test(text)) {
        invalid = 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers';
      }
      if (invalid === null && p < this.end && this.idLength(p, false) > 0) {
        let q = p;
        while (q < this.end && isAsciiIdChar(src.charCodeAt(q))) q++;
        if (!KEYWORDS_AFTER_NUMBER.has(src.slice(p, q))) {
          invalid = kind === 'complex' ? 'invalid imaginary literal' : 'invalid decimal literal';
        }
      }
    }
    p = Math.min(p, this.end);
    this.pos = p;
    const text = src.slice(start, p);
    const t = this.pushHere('number', text, start);
    t.numKind = kind;
    const clean = text.replace(/_/g, '');
    t.num = kind === 'complex' ? Number(clean.slice(0, -1)) : Number(clean);
    if (Number.isNaN(t.num)) t.num = 0;
    if (invalid !== null) this.error(invalid, start, p - start);
  }

  /** Decimal digits with single underscores between them. */
  private scanDigits(p: number): number {
    const src = this.src;
    while (p < this.end) {
      const c = src.charCodeAt(p);
      if (isDigit(c) || c === 95) p++;
      else break;
    }
    return p;
  }

  private lexOperator(c: number): void {
    const src = this.src;
    const start = this.pos;
    const c1 = src.charCodeAt(start + 1);
    const c2 = src.charCodeAt(start + 2);
    let len = 1;
    switch (c) {
      case 40: case 91: case 123: {
        this.pos++;
        const t = this.pushHere('op', src[start], start);
        if (this.brackets.length === MAX_BRACKET_DEPTH) this.error('too many nested parentheses', start, 1);
        if (this.brackets.length === 0) this.groupIndent = this.indents[this.indents.length - 1];
        this.brackets.push({ ch: c, tok: t });
        return;
      }
      case 41: case 93: case 125: {
        this.pos++;
        this.pushHere('op', src[start], start);
        this.closeBracket(c, start);
        return;
      }
      case 44: case 59: case 126: // , ; ~
        break;
      case 58: // : :=
        if (c1 === 61) len = 2;
        break;
      case 46: // . ...
        if (c1 === 46 && c2 === 46) len = 3;
        break;
      case 43: case 37: case 38: case 124: case 94: case 64: case 61: // + % & | ^ @ =
        if (c1 === 61) len = 2;
        break;
      case 45: // - -> -=
        if (c1 === 62 || c1 === 61) len = 2;
        break;
      case 42: case 47: case 60: case 62: // * / < >
        if (c1 === c) len = c2 === 61 ? 3 : 2;
        else if (c1 === 61) len = 2;
        break;
      case 33: // !=
        if (c1 === 61) {
          len = 2;
          break;
        }
        this.error('invalid syntax', start, 1);
        this.pos++;
        return;
      default: {
        const cp = src.codePointAt(start)!;
        const ch = String.fromCodePoint(cp);
        this.error(`invalid character '${ch}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`, start, ch.length);
        this.pos += ch.length;
        return;
      }
    }
    this.pos += len;
    this.pushHere('op', src.slice(start, start + len), start);
  }

  private closeBracket(c: number, start: number): void {
    const br = this.brackets;
    const ch = String.fromCharCode(c);
    if (br.length === 0) {
      this.error(`unmatched '${ch}'`, start, 1);
      return;
    }
    const top = br[br.length - 1];
    if (CLOSER_OF[top.ch] === c) {
      br.pop();
      if (br.length === 0) this.candidate = null;
      return;
    }
    this.error(`closing parenthesis '${ch}' does not match opening parenthesis '${top.tok.value}'`, start, 1);
    // Close up to a matching opener if there is one, so one typo does not swallow the rest of the file.
    for (let i = br.length - 2; i >= 0; i--) {
      if (CLOSER_OF[br[i].ch] === c) {
        br.length = i;
        if (i === 0) this.candidate = null;
        return;
      }
    }
    // No opener of this kind: take it as a typo for the innermost closer.
    br.pop();
    if (br.length === 0) this.candidate = null;
  }

  // ---------- strings ----------

  /** `start` is the token start (prefix included), `quoteAt` the opening quote. */
  private lexString(start: number, quoteAt: number, prefix: string): void {
    const src = this.src;
    const flags = STRING_PREFIXES[prefix];
    const q = src.charCodeAt(quoteAt);
    const triple = src.charCodeAt(quoteAt + 1) === q && src.charCodeAt(quoteAt + 2) === q;
    const startLine = this.line;
    const startCol = start - this.lineStart;
    this.pos = quoteAt + (triple ? 3 : 1);
    let value: string;
    let fparts: FStringPart[] | null = null;
    let ok: boolean;
    if (flags.f) {
      const r = this.scanFString(q, triple, flags.raw);
      ok = r.ok;
      fparts = r.parts;
      value = '';
      for (const part of r.parts) if (typeof part === 'string') value += part;
    } else {
      const r = this.scanPlainString(q, triple, flags.raw, flags.bytes);
      ok = r.ok;
      value = r.value;
    }
    if (!ok) {
      const what = triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
      this.errorAt(`${what} (detected at line ${this.line})`, startLine, startCol, startCol + (this.pos > start && startLine === this.line ? this.pos - start : quoteAt - start + 1), start);
    }
    const t = this.push('string', value, start, this.pos, startLine, startCol, this.line, this.pos - this.lineStart);
    t.isBytes = flags.bytes;
    t.fparts = fparts;
  }

  /** Scans a string body after its opening quote; leaves pos after the closing quote, or at the line end / EOF. */
  private scanPlainString(q: number, triple: boolean, raw: boolean, bytes: boolean): { value: string; ok: boolean } {
    const src = this.src;
    let out = '';
    let run = this.pos;
    while (true) {
      if (this.pos >= this.end) {
        this.pos = this.end;
        return { value: out + src.slice(run, this.pos), ok: false };
      }
      const c = src.charCodeAt(this.pos);
      if (c === q) {
        if (!triple) {
          out += src.slice(run, this.pos);
          this.pos++;
          return { value: out, ok: true };
        }
        if (src.charCodeAt(this.pos + 1) === q && src.charCodeAt(this.pos + 2) === q) {
          out += src.slice(run, this.pos);
          this.pos += 3;
          return { value: out, ok: true };
        }
        this.pos++;
        continue;
      }
      if (c === 10 || c === 13) {
        out += src.slice(run, this.pos);
        if (!triple) return { value: out, ok: false };
        out += '\n';
        this.consumeNewline();
        run = this.pos;
        continue;
      }
      if (c === 92) {
        out += src.slice(run, this.pos);
        out += this.escape(raw, bytes, false);
        run = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** Decodes the escape at pos (a backslash) and advances past it. */
  private escape(raw: boolean, bytes: boolean, fstring: boolean): string {
    const src = this.src;
    const p = this.pos;
    if (p + 1 >= this.end) {
      this.pos = p + 1;
      return '\\';
    }
    const n = src.charCodeAt(p + 1);
    if (isNewline(n)) {
      this.pos = p + 1;
      this.consumeNewline();
      return raw ? '\\\n' : '';
    }
    // In f-strings a brace after a backslash still opens or closes a field.
    if (fstring && (n === 123 || n === 125)) {
      this.pos = p + 1;
      return '\\';
    }
    if (raw) {
      this.pos = p + 2;
      return src.slice(p, p + 2);
    }
    this.pos = p + 2;
    switch (n) {
      case 92: return '\\';
      case 39: return "'";
      case 34: return '"';
      case 97: return '\x07';
      case 98: return '\b';
      case 102: return '\f';
      case 110: return '\n';
      case 114: return '\r';
      case 116: return '\t';
      case 118: return '\v';
      case 120: return this.hexEscape(2, 'x');
      case 117: return bytes ? '\\u' : this.hexEscape(4, 'u');
      case 85: return bytes ? '\\U' : this.hexEscape(8, 'U');
      case 78: {
        if (bytes || src.charCodeAt(this.pos) !== 123) return '\\N';
        // Unicode names are not resolved: keep the escape as written.
        const close = src.indexOf('}', this.pos);
        if (close < 0 || close >= this.end || close - this.pos > 100) return '\\N';
        this.pos = close + 1;
        return src.slice(p, this.pos);
      }
    }
    if (n >= 48 && n <= 55) {
      let v = n - 48;
      let k = 1;
      while (k < 3) {
        const d = src.charCodeAt(this.pos);
        if (d >= 48 && d <= 55) {
          v = v * 8 + (d - 48);
          this.pos++;
          k++;
        } else break;
      }
      return String.fromCharCode(v);
    }
    return src.slice(p, p + 2);
  }

  private hexEscape(digits: number, letter: string): string {
    const src = this.src;
    const start = this.pos;
    let k = 0;
    while (k < digits && start + k < this.end && isHexDigit(src.charCodeAt(start + k))) k++;
    if (k < digits) {
      this.error(`(unicode error) truncated \\${letter}${'X'.repeat(digits)} escape`, start - 2, 2 + k);
      this.pos = start + k;
      return '';
    }
    this.pos = start + digits;
    const cp = parseInt(src.slice(start, start + digits), 16);
    if (cp > 0x10ffff) {
      this.error('(unicode error) illegal Unicode character', start - 2, 2 + digits);
      return '';
    }
    return String.fromCodePoint(cp);
  }

  private scanFString(q: number, triple: boolean, raw: boolean): { parts: FStringPart[]; ok: boolean } {
    const src = this.src;
    const parts: FStringPart[] = [];
    let lit = '';
    let run = this.pos;
    const flush = (): void => {
      lit += src.slice(run, this.pos);
      if (lit !== '') {
        const last = parts.length - 1;
        if (last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + lit;
        else parts.push(lit);
      }
      lit = '';
    };
    if (this.fstringNesting >= MAX_FSTRING_NESTING) {
      this.error('f-string: too many nested expressions', this.pos, 1);
      while (this.pos < this.end && !isNewline(src.charCodeAt(this.pos))) this.pos++;
      return { parts, ok: false };
    }
    this.fstringNesting++;
    try {
      while (true) {
        if (this.pos >= this.end) {
          this.pos = this.end;
          flush();
          return { parts, ok: false };
        }
        const c = src.charCodeAt(this.pos);
        if (c === q && (!triple || (src.charCodeAt(this.pos + 1) === q && src.charCodeAt(this.pos + 2) === q))) {
          flush();
          this.pos += triple ? 3 : 1;
          return { parts, ok: true };
        }
        if (c === 10 || c === 13) {
          if (!triple) {
            flush();
            return { parts, ok: false };
          }
          lit += src.slice(run, this.pos) + '\n';
          this.consumeNewline();
          run = this.pos;
          continue;
        }
        if (c === 92) {
          lit += src.slice(run, this.pos);
          lit += this.escape(raw, false, true);
          run = this.pos;
          continue;
        }
        if (c === 123 || c === 125) {
          if (src.charCodeAt(this.pos + 1) === c) {
            lit += src.slice(run, this.pos + 1);
            this.pos += 2;
            run = this.pos;
            continue;
          }
          if (c === 125) {
            this.error("f-string: single '}' is not allowed", this.pos, 1);
            lit += src.slice(run, this.pos);
            this.pos++;
            run = this.pos;
            continue;
          }
          flush();
          this.pos++;
          const r = this.scanField(q, triple, parts);
          run = this.pos;
          if (r === 'eol' || r === 'eof') return { parts, ok: false };
          if (r === 'quote' || r === 'bad') this.error("f-string: expecting '}'", this.pos, 1);
          continue;
        }
        this.pos++;
      }
    } finally {
      this.fstringNesting--;
    }
  }

  /** A replacement field after its '{': records the expression's offsets in `parts`, skips conversion and
   * format spec (nested fields included), and leaves pos after the closing '}'. */
  private scanField(q: number, triple: boolean, parts: FStringPart[]): FieldResult {
    const src = this.src;
    const exprStart = this.pos;
    const exprLine = this.line;
    const exprCol = this.pos - this.lineStart;
    let depth = 0;
    let exprEnd = -1;
    let selfDoc: string | null = null;
    while (exprEnd < 0) {
      if (this.pos >= this.end) return 'eof';
      const c = src.charCodeAt(this.pos);
      if (c === 10 || c === 13) {
        if (!triple) return 'eol';
        this.consumeNewline();
        continue;
      }
      if (c === 39 || c === 34) {
        // A string inside the expression (3.12 allows the enclosing quote too).
        let k = this.pos;
        while (k > exprStart && isAsciiIdChar(src.charCodeAt(k - 1))) k--;
        const flags = STRING_PREFIXES[src.slice(k, this.pos).toLowerCase()] ?? STRING_PREFIXES[''];
        const inner = src.charCodeAt(this.pos + 1) === c && src.charCodeAt(this.pos + 2) === c;
        this.pos += inner ? 3 : 1;
        this.quiet++;
        const ok = flags.f ? this.scanFString(c, inner, flags.raw).ok : this.scanPlainString(c, inner, flags.raw, flags.bytes).ok;
        this.quiet--;
        if (!ok) return this.pos >= this.end ? 'eof' : 'eol';
        continue;
      }
      if (c === 40 || c === 91 || c === 123) {
        depth++;
        this.pos++;
        continue;
      }
      if (c === 41 || c === 93) {
        if (depth > 0) depth--;
        this.pos++;
        continue;
      }
      if (c === 125) {
        if (depth > 0) {
          depth--;
          this.pos++;
          continue;
        }
        exprEnd = this.pos;
        break;
      }
      if (depth === 0) {
        const n = src.charCodeAt(this.pos + 1);
        if ((c === 33 && n !== 61) || c === 58) {
          exprEnd = this.pos;
          break;
        }
        if (c === 61 && n !== 61) {
          const prev = src.charCodeAt(this.pos - 1);
          if (prev !== 61 && prev !== 33 && prev !== 60 && prev !== 62) {
            let j = this.pos + 1;
            while (j < this.end && (src.charCodeAt(j) === 32 || src.charCodeAt(j) === 9)) j++;
            const cj = src.charCodeAt(j);
            if (cj === 125 || cj === 33 || cj === 58) {
              exprEnd = this.pos;
              selfDoc = src.slice(exprStart, j);
              this.pos = j;
              break;
            }
          }
        }
      }
      this.pos++;
    }
    const record = (): void => {
      if (src.slice(exprStart, exprEnd).trim() === '') {
        this.error('f-string: empty expression not allowed', exprStart - 1, exprEnd - exprStart + 2);
        return;
      }
      if (selfDoc !== null) {
        const last = parts.length - 1;
        if (last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + selfDoc;
        else parts.push(selfDoc);
      }
      parts.push({ start: exprStart, end: exprEnd, line: exprLine, col: exprCol });
    };
    let c = src.charCodeAt(this.pos);
    if (c === 33) {
      this.pos++;
      const convStart = this.pos;
      while (this.pos < this.end && isAsciiIdChar(src.charCodeAt(this.pos))) this.pos++;
      const conv = src.slice(convStart, this.pos);
      if (conv !== 'r' && conv !== 's' && conv !== 'a') {
        this.error(conv === '' ? "f-string: missing conversion character" : 'f-string: invalid conversion character', convStart - 1, this.pos - convStart + 1);
      }
      c = src.charCodeAt(this.pos);
    }
    if (c === 58) {
      this.pos++;
      const r = this.scanFormatSpec(q, triple);
      if (r !== 'ok') return r;
      record();
      return 'ok';
    }
    if (c === 125) {
      this.pos++;
      record();
      return 'ok';
    }
    if (this.pos >= this.end) return 'eof';
    if (isNewline(c)) return triple ? 'bad' : 'eol';
    if (c === q) return 'quote';
    return 'bad';
  }

  /** Format spec after ':' up to and including the field's closing '}'; nested fields are skipped. */
  private scanFormatSpec(q: number, triple: boolean): FieldResult {
    const src = this.src;
    const ignored: FStringPart[] = [];
    while (true) {
      if (this.pos >= this.end) return 'eof';
      const c = src.charCodeAt(this.pos);
      if (c === 10 || c === 13) {
        if (!triple) return 'eol';
        this.consumeNewline();
        continue;
      }
      if (c === q && (!triple || (src.charCodeAt(this.pos + 1) === q && src.charCodeAt(this.pos + 2) === q))) return 'quote';
      if (c === 123) {
        this.pos++;
        if (this.fstringNesting >= MAX_FSTRING_NESTING) {
          this.error('f-string: expressions nested too deeply', this.pos - 1, 1);
          return 'bad';
        }
        this.fstringNesting++;
        const r = this.scanField(q, triple, ignored);
        this.fstringNesting--;
        if (r !== 'ok') return r;
        continue;
      }
      if (c === 125) {
        this.pos++;
        return 'ok';
      }
      this.pos++;
    }
  }

  // ---------- errors ----------

  /** An error on the current line at offset `start`, `len` units wide. */
  private error(message: string, start: number, len: number): void {
    const col = start - this.lineStart;
    this.errorAt(message, this.line, col, col + Math.max(len, 0), start);
  }

  private errorAt(message: string, line: number, col: number, endCol: number, offset?: number): void {
    if (this.quiet > 0) return;
    this.errors.push({
      message,
      range: { line, column: col, endLine: line, endColumn: Math.max(endCol, col) },
      offset: offset ?? this.lineStart + col,
    });
  }
}
