// Recursive-descent parser for Python 3 source: tokens -> the AST of ./ast.ts, with node ranges as Python's
// own `ast` module reports them. Never throws: a syntax error is recorded and parsing resumes at the next
// statement, so the rest of the file is still read.
import type { SourceRange } from '../types';
import type * as A from './ast';
import { tokenize, type FStringField, type LexError, type Token } from './lexer';

/** Nesting units (brackets, unary chains, blocks...) before giving up with an error instead of overflowing the stack. */
const MAX_DEPTH = 250;

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);
/** Keywords that can begin an expression. */
const EXPRESSION_KEYWORDS = new Set(['None', 'True', 'False', 'not', 'lambda', 'await']);
const EXPRESSION_START_OPS = new Set(['(', '[', '{', '-', '+', '~', '*', '...']);
/** Statements whose failed header leaves an indented block (and maybe more clauses) to skip. */
const COMPOUND_KEYWORDS = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'async', 'def', 'class']);
const CLAUSE_KEYWORDS = new Set(['elif', 'else', 'except', 'finally']);

const BINARY_PRECEDENCE = new Map<string, number>([
  ['|', 1], ['^', 2], ['&', 3], ['<<', 4], ['>>', 4], ['+', 5], ['-', 5],
  ['*', 6], ['/', 6], ['//', 6], ['%', 6], ['@', 6],
]);
const COMPARISON_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const AUGMENTED_OPS = new Map<string, A.BinOperator>([
  ['+=', '+'], ['-=', '-'], ['*=', '*'], ['/=', '/'], ['//=', '//'], ['%=', '%'], ['**=', '**'], ['@=', '@'],
  ['<<=', '<<'], ['>>=', '>>'], ['&=', '&'], ['|=', '|'], ['^=', '^'],
]);
/** Tokens after `match` that make it a name, not the start of a match statement. */
const NOT_MATCH_SUBJECT = new Set([
  '=', '.', ':', ',', ';', ')', ']', '}', '==', '!=', '<', '>', '<=', '>=', '|', '&', '^', '%', '/', '//', '@',
  '**', '<<', '>>', ':=', '->', ...AUGMENTED_OPS.keys(),
]);

/** Internal: unwinds to the enclosing statement. Not an Error, so no stack is captured. */
class ParseError {
  constructor(readonly message: string, readonly range: SourceRange, readonly offset: number) {}
}

type TargetMode = 'assign' | 'for' | 'with' | 'del' | 'comprehension';

function tokenRange(t: Token): SourceRange {
  return { line: t.line, column: t.col, endLine: t.endLine, endColumn: t.endCol };
}

function canStartExpression(t: Token): boolean {
  switch (t.kind) {
    case 'name':
      return !KEYWORDS.has(t.value) || EXPRESSION_KEYWORDS.has(t.value);
    case 'number':
    case 'string':
      return true;
    case 'op':
      return EXPRESSION_START_OPS.has(t.value);
    default:
      return false;
  }
}

/** How CPython names an expression in "cannot assign to ..." messages. */
function describe(e: A.Expr): string {
  switch (e.type) {
    case 'Call': return 'function call';
    case 'Constant':
      if (e.kind === 'None') return 'None';
      if (e.kind === 'bool') return e.value ? 'True' : 'False';
      if (e.kind === 'Ellipsis') return 'ellipsis';
      return 'literal';
    case 'Compare': return 'comparison';
    case 'Lambda': return 'lambda';
    case 'IfExp': return 'conditional expression';
    case 'NamedExpr': return 'named expression';
    case 'JoinedStr': return 'f-string expression';
    case 'Dict': return 'dict literal';
    case 'Set': return 'set display';
    case 'ListComp': return 'list comprehension';
    case 'SetComp': return 'set comprehension';
    case 'DictComp': return 'dict comprehension';
    case 'GeneratorExp': return 'generator expression';
    case 'Await': return 'await expression';
    case 'Yield': return 'yield expression';
    case 'Tuple': return 'tuple';
    case 'List': return 'list';
    case 'Starred': return 'starred';
    case 'Name': return 'name';
    case 'Attribute': return 'attribute';
    case 'Subscript': return 'subscript';
    default: return 'expression';
  }
}

export function parse(source: string): A.ParseResult {
  const empty: SourceRange = { line: 1, column: 0, endLine: 1, endColumn: 0 };
  let lexed;
  try {
    lexed = tokenize(source);
  } catch (e) {
    return { module: { type: 'Module', body: [], comments: [] }, errors: [{ message: `tokenizer failure: ${String(e)}`, range: empty }] };
  }
  const parser = new Parser(source, lexed.tokens, lexed.errors);
  try {
    parser.parseModule();
  } catch (e) {
    // Last resort (a stack overflow or a bug): keep what was parsed.
    const message = e instanceof RangeError ? 'too many nested parentheses' : `parser failure: ${String(e)}`;
    parser.errors.push({ message, range: tokenRange(parser.current) });
  }
  const errors: A.SyntaxIssue[] = [];
  for (const e of lexed.errors) errors.push({ message: e.message, range: e.range });
  for (const e of parser.errors) errors.push(e);
  errors.sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
  return { module: { type: 'Module', body: parser.body, comments: lexed.comments }, errors };
}

class Parser {
  readonly body: A.Stmt[] = [];
  readonly errors: A.SyntaxIssue[] = [];
  private readonly src: string;
  private toks: Token[];
  private p = 0;
  private t: Token;
  /** Last consumed token other than NEWLINE/INDENT/DEDENT: where a node's range ends. */
  private prev: Token;
  private depth = 0;
  /** Sorted offsets of lexical errors: a statement with one gets no second (parser) error. */
  private readonly lexErrorOffsets: number[];
  private stmtStart = 0;
  private stmtHadError = false;

  constructor(source: string, tokens: Token[], lexErrors: LexError[]) {
    this.src = source;
    this.toks = tokens;
    this.t = tokens[0];
    this.prev = tokens[0];
    this.lexErrorOffsets = lexErrors.map((e) => e.offset).sort((a, b) => a - b);
  }

  get current(): Token {
    return this.t;
  }

  // ---------- token helpers ----------

  private next(): Token {
    const t = this.t;
    if (t.kind !== 'eof') {
      this.p++;
      this.t = this.toks[this.p];
    }
    if (t.kind !== 'newline' && t.kind !== 'indent' && t.kind !== 'dedent' && t.kind !== 'eof') this.prev = t;
    return t;
  }

  private peek(k = 1): Token {
    const i = this.p + k;
    return this.toks[i < this.toks.length ? i : this.toks.length - 1];
  }

  /** Kind test that TypeScript does not narrow (the current token changes under method calls). */
  private at(kind: string): boolean {
    return this.t.kind === kind;
  }

  private isOp(v: string): boolean {
    return this.t.kind === 'op' && this.t.value === v;
  }

  private isKw(v: string): boolean {
    return this.t.kind === 'name' && this.t.value === v;
  }

  private eatOp(v: string): boolean {
    if (this.t.kind === 'op' && this.t.value === v) {
      this.next();
      return true;
    }
    return false;
  }

  private eatKw(v: string): boolean {
    if (this.t.kind === 'name' && this.t.value === v) {
      this.next();
      return true;
    }
    return false;
  }

  private fail(message = 'invalid syntax', t: Token = this.t): ParseError {
    return new ParseError(message, tokenRange(t), t.end);
  }

  private failAt(message: string, range: SourceRange): ParseError {
    return new ParseError(message, range, this.prev.end);
  }

  private expectOp(v: string): Token {
    if (this.t.kind === 'op' && this.t.value === v) return this.next();
    throw this.fail();
  }

  /** A closing bracket, with CPython's hint when a comma is probably missing. */
  private expectClose(v: string): Token {
    if (this.t.kind === 'op' && this.t.value === v) return this.next();
    throw this.fail(canStartExpression(this.t) ? 'invalid syntax. Perhaps you forgot a comma?' : 'invalid syntax');
  }

  private expectColon(): void {
    if (this.t.kind === 'op' && this.t.value === ':') {
      this.next();
      return;
    }
    throw this.fail("expected ':'");
  }

  private expectName(): Token {
    const t = this.t;
    if (t.kind === 'name' && !KEYWORDS.has(t.value)) return this.next();
    throw this.fail();
  }

  private rangeFrom(s: Token): SourceRange {
    const e = this.prev;
    if (e.end < s.start) return { line: s.line, column: s.col, endLine: s.line, endColumn: s.col };
    return { line: s.line, column: s.col, endLine: e.endLine, endColumn: e.endCol };
  }

  private enter(message = 'too many nested parentheses'): void {
    if (++this.depth > MAX_DEPTH) throw this.fail(message);
  }

  private leave(): void {
    this.depth--;
  }

  // ---------- errors and recovery ----------

  /** Records an error unless this statement already has one (its own, or a lexical one). */
  private report(message: string, range: SourceRange, offset: number): void {
    if (this.stmtHadError) return;
    this.stmtHadError = true;
    if (this.lexErrorBetween(this.stmtStart, offset)) return;
    this.errors.push({ message, range });
  }

  private reportError(e: ParseError): void {
    this.report(e.message, e.range, e.offset);
  }

  private lexErrorBetween(from: number, to: number): boolean {
    const a = this.lexErrorOffsets;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo] <= to;
  }

  /** Moves to the NEWLINE ending the current logical line (not consuming it). */
  private skipToNewline(): void {
    while (this.t.kind !== 'newline' && this.t.kind !== 'eof' && this.t.kind !== 'indent' && this.t.kind !== 'dedent') this.next();
  }

  /** At an INDENT: skips the whole indented block, nested blocks included. */
  private skipBlock(): void {
    let level = 0;
    while (this.t.kind !== 'eof') {
      const k = this.t.kind;
      this.next();
      if (k === 'indent') level++;
      else if (k === 'dedent' && --level <= 0) return;
    }
  }

  /** After an error: resume at the next statement; a broken compound statement's block and clauses go too. */
  private recover(compound: boolean): void {
    this.skipToNewline();
    if (this.t.kind === 'newline') this.next();
    if (this.t.kind === 'indent') {
      this.skipBlock();
      compound = true;
    }
    if (!compound) return;
    while (this.t.kind === 'name' && CLAUSE_KEYWORDS.has(this.t.value)) {
      this.skipToNewline();
      if (this.at('newline')) this.next();
      if (this.at('indent')) this.skipBlock();
    }
  }

  // ---------- statements ----------

  parseModule(): void {
    const body = this.body;
    while (this.t.kind !== 'eof') {
      const k = this.t.kind;
      if (k === 'newline' || k === 'dedent') {
        this.next();
        continue;
      }
      if (k === 'indent') {
        this.unexpectedIndent();
        continue;
      }
      this.statementInto(body);
    }
  }

  private unexpectedIndent(): void {
    this.next();
    this.stmtStart = this.t.start;
    this.stmtHadError = false;
    this.report('unexpected indent', tokenRange(this.t), this.t.end);
  }

  /** Statements of an indented block up to and including its DEDENT. */
  private block(out: A.Stmt[]): void {
    let extraIndents = 0;
    while (this.t.kind !== 'eof') {
      const k = this.t.kind;
      if (k === 'dedent') {
        this.next();
        if (extraIndents === 0) return;
        extraIndents--;
        continue;
      }
      if (k === 'indent') {
        // Stray deeper lines are read as part of this block, after an error.
        this.unexpectedIndent();
        extraIndents++;
        continue;
      }
      if (k === 'newline') {
        this.next();
        continue;
      }
      this.statementInto(out);
    }
  }

  private statementInto(out: A.Stmt[]): void {
    const savedStart = this.stmtStart;
    const savedHadError = this.stmtHadError;
    const savedDepth = this.depth;
    const first = this.t;
    const startP = this.p;
    // From the line start: a lexical error earlier on the line (a stray character) covers this statement too.
    this.stmtStart = first.start - first.col;
    this.stmtHadError = false;
    try {
      this.statement(out);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.depth = savedDepth;
      this.reportError(e);
      this.recover((first.kind === 'name' && COMPOUND_KEYWORDS.has(first.value)) || (first.kind === 'op' && first.value === '@'));
    }
    if (this.p === startP) this.next();
    this.stmtStart = savedStart;
    this.stmtHadError = savedHadError;
  }

  private statement(out: A.Stmt[]): void {
    const t = this.t;
    if (t.kind === 'name') {
      switch (t.value) {
        case 'def':
          out.push(this.functionDef([], null));
          return;
        case 'class':
          out.push(this.classDef([]));
          return;
        case 'if':
          out.push(this.ifStatement());
          return;
        case 'while':
          out.push(this.whileStatement());
          return;
        case 'for':
          out.push(this.forStatement(null));
          return;
        case 'try':
          out.push(this.tryStatement());
          return;
        case 'with':
          out.push(this.withStatement(null));
          return;
        case 'async': {
          const n = this.peek();
          if (n.kind === 'name') {
            if (n.value === 'def') {
              this.next();
              out.push(this.functionDef([], t));
              return;
            }
            if (n.value === 'for') {
              this.next();
              out.push(this.forStatement(t));
              return;
            }
            if (n.value === 'with') {
              this.next();
              out.push(this.withStatement(t));
              return;
            }
          }
          throw this.fail();
        }
        case 'match':
          if (this.looksLikeMatch()) {
            out.push(this.unsupported('match'));
            return;
          }
          break;
        case 'type': {
          const n = this.peek();
          const n2 = this.peek(2);
          if (n.kind === 'name' && !KEYWORDS.has(n.value) && n2.kind === 'op' && (n2.value === '=' || n2.value === '[')) {
            out.push(this.unsupported('type'));
            return;
          }
          break;
        }
      }
    } else if (t.kind === 'op' && t.value === '@') {
      out.push(this.decorated());
      return;
    }
    this.simpleLine(out);
  }

  /** Simple statements separated by ';' up to the end of the logical line. */
  private simpleLine(out: A.Stmt[]): void {
    while (true) {
      out.push(this.smallStatement());
      if (this.isOp(';')) {
        this.next();
        if (this.t.kind === 'newline' || this.t.kind === 'eof') break;
        continue;
      }
      break;
    }
    if (this.t.kind === 'newline') this.next();
    else if (this.t.kind !== 'eof') throw this.fail();
  }

  private smallStatement(): A.Stmt {
    const t = this.t;
    if (t.kind === 'name') {
      switch (t.value) {
        case 'pass':
          this.next();
          return { type: 'Pass', range: tokenRange(t) };
        case 'break':
          this.next();
          return { type: 'Break', range: tokenRange(t) };
        case 'continue':
          this.next();
          return { type: 'Continue', range: tokenRange(t) };
        case 'return': {
          this.next();
          const value = canStartExpression(this.t) ? this.starExpressions() : null;
          return { type: 'Return', value, range: this.rangeFrom(t) };
        }
        case 'raise': {
          this.next();
          let exc: A.Expr | null = null;
          let cause: A.Expr | null = null;
          if (canStartExpression(this.t)) {
            exc = this.test();
            if (this.eatKw('from')) cause = this.test();
          }
          return { type: 'Raise', exc, cause, range: this.rangeFrom(t) };
        }
        case 'global':
        case 'nonlocal': {
          this.next();
          const names = [this.expectName().value];
          while (this.eatOp(',')) names.push(this.expectName().value);
          return t.value === 'global'
            ? { type: 'Global', names, range: this.rangeFrom(t) }
            : { type: 'Nonlocal', names, range: this.rangeFrom(t) };
        }
        case 'del': {
          this.next();
          const targets: A.Expr[] = [];
          do {
            if (targets.length > 0 && !canStartExpression(this.t)) break;
            const e = this.bitwiseOr();
            this.checkTarget(e, 'del');
            targets.push(e);
          } while (this.eatOp(','));
          return { type: 'Delete', targets, range: this.rangeFrom(t) };
        }
        case 'assert': {
          this.next();
          const test = this.test();
          const msg = this.eatOp(',') ? this.test() : null;
          return { type: 'Assert', test, msg, range: this.rangeFrom(t) };
        }
        case 'import':
          return this.importStatement();
        case 'from':
          return this.fromImport();
      }
    }
    return this.expressionStatement();
  }

  private expressionStatement(): A.Stmt {
    const s = this.t;
    const first = this.isKw('yield') ? this.yieldExpression() : this.starExpressions();
    const t = this.t;
    if (first.type === 'Name' && (first.id === 'print' || first.id === 'exec') && canStartExpression(t) && t.value !== '(') {
      throw this.failAt(`Missing parentheses in call to '${first.id}'. Did you mean ${first.id}(...)?`, first.range);
    }
    if (t.kind === 'op') {
      if (t.value === '=') {
        const items: A.Expr[] = [first];
        while (this.eatOp('=')) items.push(this.isKw('yield') ? this.yieldExpression() : this.starExpressions());
        const value = items.pop()!;
        for (const target of items) this.checkTarget(target, 'assign');
        return { type: 'Assign', targets: items, value, range: this.rangeFrom(s) };
      }
      const op = AUGMENTED_OPS.get(t.value);
      if (op !== undefined) {
        if (first.type !== 'Name' && first.type !== 'Attribute' && first.type !== 'Subscript') {
          throw this.failAt(`'${describe(first)}' is an illegal expression for augmented assignment`, first.range);
        }
        this.next();
        const value = this.isKw('yield') ? this.yieldExpression() : this.starExpressions();
        return { type: 'AugAssign', target: first, op, value, range: this.rangeFrom(s) };
      }
      if (t.value === ':') {
        if (first.type === 'Tuple' || first.type === 'List') {
          throw this.failAt(`only single target (not ${first.type === 'Tuple' ? 'tuple' : 'list'}) can be annotated`, first.range);
        }
        if (first.type !== 'Name' && first.type !== 'Attribute' && first.type !== 'Subscript') {
          throw this.failAt('illegal target for annotation', first.range);
        }
        this.next();
        const annotation = this.test();
        let value: A.Expr | null = null;
        if (this.eatOp('=')) value = this.isKw('yield') ? this.yieldExpression() : this.starExpressions();
        return { type: 'AnnAssign', target: first, annotation, value, range: this.rangeFrom(s) };
      }
    }
    if (first.type === 'Starred') throw this.failAt("can't use starred expression here", first.range);
    return { type: 'Expr', value: first, range: this.rangeFrom(s) };
  }

  private checkTarget(e: A.Expr, mode: TargetMode): void {
    switch (e.type) {
      case 'Name':
      case 'Attribute':
      case 'Subscript':
        return;
      case 'Tuple':
      case 'List':
        for (const elt of e.elts) {
          if (elt.type === 'Starred') {
            if (mode === 'del') throw this.failAt('cannot delete starred', elt.range);
            this.checkTarget(elt.value, mode);
          } else this.checkTarget(elt, mode);
        }
        return;
      case 'Starred':
        if (mode === 'del') throw this.failAt('cannot delete starred', e.range);
        throw this.failAt('starred assignment target must be in a list or tuple', e.range);
    }
    const what = describe(e);
    if (mode === 'del') throw this.failAt(`cannot delete ${what}`, e.range);
    if (mode === 'assign') throw this.failAt(`cannot assign to ${what} here. Maybe you meant '==' instead of '='?`, e.range);
    throw this.failAt(`cannot assign to ${what}`, e.range);
  }

  private importStatement(): A.Import {
    const s = this.next();
    const names: A.Alias[] = [];
    do {
      const a = this.t;
      const name = this.dottedName();
      const asname = this.eatKw('as') ? this.expectName().value : null;
      names.push({ name, asname, range: this.rangeFrom(a) });
    } while (this.eatOp(','));
    return { type: 'Import', names, range: this.rangeFrom(s) };
  }

  private dottedName(): string {
    let name = this.expectName().value;
    while (this.isOp('.')) {
      this.next();
      name += '.' + this.expectName().value;
    }
    return name;
  }

  private fromImport(): A.ImportFrom {
    const s = this.next();
    let level = 0;
    while (true) {
      if (this.eatOp('.')) level++;
      else if (this.eatOp('...')) level += 3;
      else break;
    }
    const module = this.isKw('import') && level > 0 ? null : this.dottedName();
    if (!this.isKw('import')) throw this.fail();
    this.next();
    const names: A.Alias[] = [];
    if (this.isOp('*')) {
      const star = this.next();
      names.push({ name: '*', asname: null, range: tokenRange(star) });
    } else {
      const parenthesized = this.eatOp('(');
      do {
        if (parenthesized && this.isOp(')') && names.length > 0) break;
        if (!parenthesized && names.length > 0 && (this.t.kind === 'newline' || this.t.kind === 'eof')) {
          throw this.fail('trailing comma not allowed without surrounding parentheses');
        }
        const a = this.t;
        const name = this.expectName().value;
        const asname = this.eatKw('as') ? this.expectName().value : null;
        names.push({ name, asname, range: this.rangeFrom(a) });
      } while (this.eatOp(','));
      if (parenthesized) this.expectClose(')');
    }
    return { type: 'ImportFrom', module, names, level, range: this.rangeFrom(s) };
  }

  private decorated(): A.Stmt {
    const decorators: A.Expr[] = [];
    while (this.isOp('@')) {
      this.next();
      decorators.push(this.namedExpression());
      if (this.t.kind !== 'newline') throw this.fail();
      this.next();
    }
    const t = this.t;
    if (this.isKw('def')) return this.functionDef(decorators, null);
    if (this.isKw('class')) return this.classDef(decorators);
    if (this.isKw('async') && this.peek().kind === 'name' && this.peek().value === 'def') {
      this.next();
      return this.functionDef(decorators, t);
    }
    throw this.fail();
  }

  private functionDef(decorators: A.Expr[], asyncTok: Token | null): A.FunctionDef {
    const s = asyncTok ?? this.t;
    this.next(); // def
    const nameTok = this.expectName();
    const params: A.Param[] = [];
    let returns: A.Expr | null = null;
    const headerOk = this.header(() => {
      if (this.isOp('[')) this.skipTypeParams();
      this.expectOp('(');
      this.parameters(params, ')', true);
      this.expectClose(')');
      if (this.eatOp('->')) returns = this.test();
      this.expectColon();
    });
    const body = this.suite('function definition', s.line, headerOk);
    return {
      type: 'FunctionDef', name: nameTok.value, nameRange: tokenRange(nameTok), params, body, decorators, returns,
      isAsync: asyncTok !== null, range: this.rangeFrom(s),
    };
  }

  private classDef(decorators: A.Expr[]): A.ClassDef {
    const s = this.next(); // class
    const nameTok = this.expectName();
    const bases: A.Expr[] = [];
    const keywords: A.Keyword[] = [];
    const headerOk = this.header(() => {
      if (this.isOp('[')) this.skipTypeParams();
      if (this.isOp('(')) {
        const open = this.next();
        this.callArguments(bases, keywords, open);
        this.expectClose(')');
      }
      this.expectColon();
    });
    const body = this.suite('class definition', s.line, headerOk);
    return { type: 'ClassDef', name: nameTok.value, nameRange: tokenRange(nameTok), bases, keywords, body, decorators, range: this.rangeFrom(s) };
  }

  /** Runs a def/class header; on a syntax error records it and moves to the line end, so the body is still read. */
  private header(parse: () => void): boolean {
    const depth = this.depth;
    try {
      parse();
      return true;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.depth = depth;
      this.reportError(e);
      this.skipToNewline();
      return false;
    }
  }

  /** PEP 695 type parameters `[T, *Ts]`: skipped. */
  private skipTypeParams(): void {
    let depth = 0;
    do {
      const t = this.t;
      if (t.kind === 'newline' || t.kind === 'eof') throw this.fail();
      if (t.kind === 'op') {
        if (t.value === '[' || t.value === '(' || t.value === '{') depth++;
        else if (t.value === ']' || t.value === ')' || t.value === '}') depth--;
      }
      this.next();
    } while (depth > 0);
  }

  /** Parameters of a def (closer ')', with annotations) or a lambda (closer ':'), appended to `out`. */
  private parameters(out: A.Param[], closer: string, annotations: boolean): void {
    let sawSlash = false;
    let sawStar = false;
    let sawKwarg = false;
    let sawDefault = false;
    while (!this.isOp(closer)) {
      if (sawKwarg) throw this.fail('arguments cannot follow var-keyword argument');
      if (this.isOp('/')) {
        if (sawSlash) throw this.fail('/ may appear only once');
        if (sawStar) throw this.fail('/ must be ahead of *');
        if (out.length === 0) throw this.fail('at least one argument must precede /');
        this.next();
        for (const p of out) if (p.kind === 'normal') p.kind = 'posonly';
        sawSlash = true;
      } else if (this.isOp('*')) {
        if (sawStar) throw this.fail('* argument may appear only once');
        this.next();
        sawStar = true;
        if (this.isOp(closer)) throw this.fail('named arguments must follow bare *');
        if (!this.isOp(',')) {
          out.push(this.parameter('vararg', annotations));
          if (this.isOp('=')) throw this.fail('var-positional argument cannot have default value');
        }
      } else if (this.isOp('**')) {
        this.next();
        out.push(this.parameter('kwarg', annotations));
        if (this.isOp('=')) throw this.fail('var-keyword argument cannot have default value');
        sawKwarg = true;
      } else {
        const p = this.parameter(sawStar ? 'kwonly' : 'normal', annotations);
        out.push(p);
        if (this.eatOp('=')) p.default = this.test();
        if (p.kind === 'normal') {
          if (p.default) sawDefault = true;
          else if (sawDefault) throw this.failAt('non-default argument follows default argument', p.range);
        }
      }
      if (!this.eatOp(',')) break;
    }
  }

  private parameter(kind: A.Param['kind'], annotations: boolean): A.Param {
    const t = this.expectName();
    let annotation: A.Expr | null = null;
    if (annotations && this.eatOp(':')) annotation = kind === 'vararg' && this.isOp('*') ? this.starExpression() : this.test();
    return { name: t.value, range: this.rangeFrom(t), annotation, default: null, kind };
  }

  /** The body after a header's ':' (already consumed): an indented block or simple statements on the same line. */
  private suite(label: string, headerLine: number, headerOk = true): A.Stmt[] {
    const body: A.Stmt[] = [];
    if (this.t.kind === 'newline' || !headerOk) {
      if (this.t.kind === 'newline') this.next();
      if (this.t.kind === 'indent') {
        this.next();
        this.enter('too many levels of indentation');
        this.block(body);
        this.leave();
      } else if (headerOk) {
        this.report(`expected an indented block after ${label} on line ${headerLine}`, tokenRange(this.t), this.t.end);
      }
      return body;
    }
    this.simpleLine(body);
    return body;
  }

  private ifStatement(): A.If {
    const clauses: { s: Token; test: A.Expr; body: A.Stmt[] }[] = [];
    let s = this.next(); // if
    let test = this.namedExpression();
    this.expectColon();
    clauses.push({ s, test, body: this.suite("'if' statement", s.line) });
    while (this.isKw('elif')) {
      s = this.next();
      this.beginClause(s);
      test = this.namedExpression();
      this.expectColon();
      clauses.push({ s, test, body: this.suite("'elif' statement", s.line) });
    }
    let orelse: A.Stmt[] = [];
    if (this.isKw('else')) orelse = this.elseClause();
    const end = this.prev;
    let node: A.If | null = null;
    for (let i = clauses.length - 1; i >= 0; i--) {
      const c = clauses[i];
      node = {
        type: 'If', test: c.test, body: c.body, orelse,
        range: { line: c.s.line, column: c.s.col, endLine: end.endLine, endColumn: end.endCol },
      };
      orelse = [node];
    }
    return node!;
  }

  private beginClause(t: Token): void {
    this.stmtStart = t.start;
    this.stmtHadError = false;
  }

  private elseClause(): A.Stmt[] {
    const s = this.next(); // else
    this.beginClause(s);
    this.expectColon();
    return this.suite("'else' statement", s.line);
  }

  private whileStatement(): A.While {
    const s = this.next();
    const test = this.namedExpression();
    this.expectColon();
    const body = this.suite("'while' statement", s.line);
    const orelse = this.isKw('else') ? this.elseClause() : [];
    return { type: 'While', test, body, orelse, range: this.rangeFrom(s) };
  }

  private forStatement(asyncTok: Token | null): A.For {
    const s = asyncTok ?? this.t;
    this.next(); // for
    const target = this.targetList();
    this.checkTarget(target, 'for');
    if (!this.eatKw('in')) throw this.fail();
    const iter = this.starExpressions();
    this.expectColon();
    const body = this.suite("'for' statement", s.line);
    const orelse = this.isKw('else') ? this.elseClause() : [];
    return { type: 'For', target, iter, body, orelse, isAsync: asyncTok !== null, range: this.rangeFrom(s) };
  }

  private tryStatement(): A.Try {
    const s = this.next();
    this.expectColon();
    const body = this.suite("'try' statement", s.line);
    const handlers: A.ExceptHandler[] = [];
    while (this.isKw('except')) {
      const hs = this.next();
      this.beginClause(hs);
      const star = this.eatOp('*');
      let type: A.Expr | null = null;
      let name: string | null = null;
      if (!this.isOp(':')) {
        type = this.test();
        if (this.isOp(',')) throw this.fail('multiple exception types must be parenthesized');
        if (this.eatKw('as')) name = this.expectName().value;
      }
      this.expectColon();
      const hbody = this.suite(star ? "'except*' statement" : "'except' statement", hs.line);
      handlers.push({ type, name, body: hbody, range: this.rangeFrom(hs) });
    }
    let orelse: A.Stmt[] = [];
    let finalbody: A.Stmt[] = [];
    let sawFinally = false;
    if (this.isKw('else') && handlers.length > 0) orelse = this.elseClause();
    if (this.isKw('finally')) {
      const f = this.next();
      this.beginClause(f);
      this.expectColon();
      finalbody = this.suite("'finally' statement", f.line);
      sawFinally = true;
    }
    if (handlers.length === 0 && !sawFinally) throw this.fail("expected 'except' or 'finally' block");
    return { type: 'Try', body, handlers, orelse, finalbody, range: this.rangeFrom(s) };
  }

  private withStatement(asyncTok: Token | null): A.With {
    const s = asyncTok ?? this.t;
    this.next(); // with
    const items: A.WithItem[] = [];
    if (this.isOp('(') && this.parenthesizedWithItems()) {
      this.next();
      do {
        if (items.length > 0 && this.isOp(')')) break;
        items.push(this.withItem());
      } while (this.eatOp(','));
      this.expectClose(')');
    } else {
      do items.push(this.withItem());
      while (this.eatOp(','));
    }
    this.expectColon();
    const body = this.suite("'with' statement", s.line);
    return { type: 'With', items, body, isAsync: asyncTok !== null, range: this.rangeFrom(s) };
  }

  private withItem(): A.WithItem {
    const contextExpr = this.test();
    let optionalVars: A.Expr | null = null;
    if (this.eatKw('as')) {
      optionalVars = this.starTarget();
      this.checkTarget(optionalVars, 'with');
    }
    return { contextExpr, optionalVars };
  }

  /** `with (` starts parenthesized items when the matching ')' is followed by ':'. */
  private parenthesizedWithItems(): boolean {
    let depth = 0;
    for (let i = this.p; i < this.toks.length; i++) {
      const t = this.toks[i];
      if (t.kind === 'newline' || t.kind === 'eof') return false;
      if (t.kind !== 'op') continue;
      const v = t.value;
      if (v === '(' || v === '[' || v === '{') depth++;
      else if (v === ')' || v === ']' || v === '}') {
        if (--depth === 0) {
          const n = this.toks[i + 1];
          return n !== undefined && n.kind === 'op' && n.value === ':';
        }
      }
    }
    return false;
  }

  /** `match subject:` (a soft keyword): not `match = ...`, `match.x`, `match(x)` used as a name. */
  private looksLikeMatch(): boolean {
    const n = this.peek();
    if (n.kind === 'newline' || n.kind === 'eof') return false;
    if (n.kind === 'op' && NOT_MATCH_SUBJECT.has(n.value)) return false;
    if (n.kind === 'name' && KEYWORDS.has(n.value) && !EXPRESSION_KEYWORDS.has(n.value)) return false;
    let last: Token | null = null;
    for (let i = this.p; i < this.toks.length; i++) {
      const t = this.toks[i];
      if (t.kind === 'newline' || t.kind === 'eof') break;
      last = t;
    }
    return last !== null && last.kind === 'op' && last.value === ':';
  }

  /** A statement recognised but not modelled: skipped with its block. */
  private unsupported(keyword: string): A.UnsupportedStmt {
    const s = this.t;
    this.skipToNewline();
    if (this.t.kind === 'newline') this.next();
    if (this.t.kind === 'indent') this.skipBlock();
    return { type: 'Unsupported', keyword, range: this.rangeFrom(s) };
  }

  // ---------- expressions ----------

  /** star_expressions: `a`, `a, *b`, `1, 2,` (a Tuple without parentheses). */
  private starExpressions(): A.Expr {
    const s = this.t;
    const first = this.starExpression();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      if (!canStartExpression(this.t)) break;
      elts.push(this.starExpression());
    }
    return { type: 'Tuple', elts, range: this.rangeFrom(s) };
  }

  private starExpression(): A.Expr {
    if (this.isOp('*')) {
      const s = this.next();
      const value = this.bitwiseOr();
      return { type: 'Starred', value, range: this.rangeFrom(s) };
    }
    return this.test();
  }

  private starNamedExpression(): A.Expr {
    if (this.isOp('*')) {
      const s = this.next();
      const value = this.bitwiseOr();
      return { type: 'Starred', value, range: this.rangeFrom(s) };
    }
    return this.namedExpression();
  }

  /** Targets of `for` and comprehensions: stops before `in`. */
  private targetList(): A.Expr {
    const s = this.t;
    const first = this.starTarget();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      const t = this.t;
      const canStart = (t.kind === 'name' && !KEYWORDS.has(t.value)) || (t.kind === 'op' && (t.value === '(' || t.value === '[' || t.value === '*'));
      if (!canStart) break;
      elts.push(this.starTarget());
    }
    return { type: 'Tuple', elts, range: this.rangeFrom(s) };
  }

  private starTarget(): A.Expr {
    if (this.isOp('*')) {
      const s = this.next();
      const value = this.bitwiseOr();
      return { type: 'Starred', value, range: this.rangeFrom(s) };
    }
    return this.bitwiseOr();
  }

  private namedExpression(): A.Expr {
    const t = this.t;
    if (t.kind === 'name' && !KEYWORDS.has(t.value)) {
      const n = this.peek();
      if (n.kind === 'op' && n.value === ':=') {
        this.next();
        this.next();
        const value = this.test();
        const target: A.Name = { type: 'Name', id: t.value, range: tokenRange(t) };
        return { type: 'NamedExpr', target, value, range: this.rangeFrom(t) };
      }
    }
    return this.test();
  }

  /** expression: lambda, or a disjunction with an optional `if ... else ...`. */
  private test(): A.Expr {
    if (this.isKw('lambda')) return this.lambda();
    const s = this.t;
    const body = this.orTest();
    if (this.isKw('if')) {
      this.next();
      const test = this.orTest();
      if (!this.isKw('else')) throw this.fail("expected 'else' after 'if' expression");
      this.next();
      this.enter();
      const orelse = this.test();
      this.leave();
      return { type: 'IfExp', test, body, orelse, range: this.rangeFrom(s) };
    }
    return body;
  }

  private lambda(): A.Lambda {
    const s = this.next();
    this.enter();
    const params: A.Param[] = [];
    this.parameters(params, ':', false);
    this.expectColon();
    const body = this.test();
    this.leave();
    return { type: 'Lambda', params, body, range: this.rangeFrom(s) };
  }

  private orTest(): A.Expr {
    const s = this.t;
    const first = this.andTest();
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.eatKw('or')) values.push(this.andTest());
    return { type: 'BoolOp', op: 'or', values, range: this.rangeFrom(s) };
  }

  private andTest(): A.Expr {
    const s = this.t;
    const first = this.notTest();
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.eatKw('and')) values.push(this.notTest());
    return { type: 'BoolOp', op: 'and', values, range: this.rangeFrom(s) };
  }

  private notTest(): A.Expr {
    if (this.isKw('not')) {
      const s = this.next();
      this.enter();
      const operand = this.notTest();
      this.leave();
      return { type: 'UnaryOp', op: 'not', operand, range: this.rangeFrom(s) };
    }
    return this.comparison();
  }

  private comparison(): A.Expr {
    const s = this.t;
    const left = this.bitwiseOr();
    let ops: A.CmpOperator[] | null = null;
    let comparators: A.Expr[] | null = null;
    while (true) {
      const t = this.t;
      let op: A.CmpOperator;
      if (t.kind === 'op' && COMPARISON_OPS.has(t.value)) {
        op = t.value as A.CmpOperator;
        this.next();
      } else if (t.kind !== 'name') {
        break;
      } else if (t.value === 'in') {
        op = 'in';
        this.next();
      } else if (t.value === 'not') {
        const n = this.peek();
        if (n.kind !== 'name' || n.value !== 'in') break;
        this.next();
        this.next();
        op = 'not in';
      } else if (t.value === 'is') {
        this.next();
        op = this.eatKw('not') ? 'is not' : 'is';
      } else break;
      (ops ??= []).push(op);
      (comparators ??= []).push(this.bitwiseOr());
    }
    if (ops === null) return left;
    return { type: 'Compare', left, ops, comparators: comparators!, range: this.rangeFrom(s) };
  }

  private bitwiseOr(): A.Expr {
    return this.binary(1);
  }

  /** Binary operators from `|` to `*`-level by precedence climbing (all left-associative). */
  private binary(minPrec: number): A.Expr {
    const s = this.t;
    let left = this.unary();
    while (true) {
      const t = this.t;
      if (t.kind !== 'op') break;
      const prec = BINARY_PRECEDENCE.get(t.value);
      if (prec === undefined || prec < minPrec) break;
      this.next();
      const right = this.binary(prec + 1);
      left = { type: 'BinOp', op: t.value as A.BinOperator, left, right, range: this.rangeFrom(s) };
    }
    return left;
  }

  private unary(): A.Expr {
    const t = this.t;
    if (t.kind === 'op' && (t.value === '-' || t.value === '+' || t.value === '~')) {
      this.next();
      this.enter();
      const operand = this.unary();
      this.leave();
      return { type: 'UnaryOp', op: t.value, operand, range: this.rangeFrom(t) };
    }
    return this.power();
  }

  /** `**` binds tighter than a unary operator on its left and takes a unary operand on its right. */
  private power(): A.Expr {
    const s = this.t;
    const base = this.awaitPrimary();
    if (!this.isOp('**')) return base;
    this.next();
    this.enter();
    const exponent = this.unary();
    this.leave();
    return { type: 'BinOp', op: '**', left: base, right: exponent, range: this.rangeFrom(s) };
  }

  private awaitPrimary(): A.Expr {
    if (this.isKw('await')) {
      const s = this.next();
      this.enter();
      const value = this.primary();
      this.leave();
      return { type: 'Await', value, range: this.rangeFrom(s) };
    }
    return this.primary();
  }

  private primary(): A.Expr {
    const s = this.t;
    let e = this.atom();
    while (this.t.kind === 'op') {
      const v = this.t.value;
      if (v === '.') {
        this.next();
        const nameTok = this.t;
        if (nameTok.kind !== 'name' || KEYWORDS.has(nameTok.value)) throw this.fail();
        this.next();
        e = { type: 'Attribute', value: e, attr: nameTok.value, attrRange: tokenRange(nameTok), range: this.rangeFrom(s) };
      } else if (v === '(') {
        const open = this.next();
        this.enter();
        const args: A.Expr[] = [];
        const keywords: A.Keyword[] = [];
        this.callArguments(args, keywords, open);
        this.expectClose(')');
        this.leave();
        e = { type: 'Call', func: e, args, keywords, range: this.rangeFrom(s) };
      } else if (v === '[') {
        this.next();
        this.enter();
        const slice = this.slices();
        this.expectClose(']');
        this.leave();
        e = { type: 'Subscript', value: e, slice, range: this.rangeFrom(s) };
      } else break;
    }
    return e;
  }

  /** Call arguments after '(' up to (not including) ')'. */
  private callArguments(args: A.Expr[], keywords: A.Keyword[], open: Token): void {
    let sawKwUnpack = false;
    while (!this.isOp(')')) {
      const t = this.t;
      if (t.kind === 'op' && t.value === '*') {
        if (sawKwUnpack) throw this.fail('iterable argument unpacking follows keyword argument unpacking');
        this.next();
        const value = this.test();
        args.push({ type: 'Starred', value, range: this.rangeFrom(t) });
      } else if (t.kind === 'op' && t.value === '**') {
        this.next();
        const value = this.test();
        keywords.push({ type: 'keyword', arg: null, value, range: this.rangeFrom(t) });
        sawKwUnpack = true;
      } else if (t.kind === 'name' && this.peek().kind === 'op' && this.peek().value === '=') {
        if (KEYWORDS.has(t.value)) throw this.fail(`cannot assign to ${t.value}`);
        this.next();
        this.next();
        const value = this.test();
        keywords.push({ type: 'keyword', arg: t.value, value, range: this.rangeFrom(t) });
      } else {
        const e = this.namedExpression();
        if (this.isKw('for') || (this.isKw('async') && this.peek().value === 'for')) {
          const generators = this.comprehensions();
          const close = this.t;
          if (args.length > 0 || keywords.length > 0 || !this.isOp(')')) {
            throw this.failAt('Generator expression must be parenthesized', { ...e.range, endLine: this.prev.endLine, endColumn: this.prev.endCol });
          }
          args.push({
            type: 'GeneratorExp', elt: e, generators,
            range: { line: open.line, column: open.col, endLine: close.endLine, endColumn: close.endCol },
          });
          break;
        }
        if (this.isOp('=')) throw this.failAt('expression cannot contain assignment, perhaps you meant "=="?', e.range);
        if (sawKwUnpack) throw this.failAt('positional argument follows keyword argument unpacking', e.range);
        if (keywords.length > 0) throw this.failAt('positional argument follows keyword argument', e.range);
        args.push(e);
      }
      if (!this.eatOp(',')) break;
    }
  }

  /** Inside `x[...]`: one item, or a Tuple of items (slices allowed) without the brackets in its range. */
  private slices(): A.Expr {
    const s = this.t;
    const first = this.sliceItem();
    if (!this.isOp(',')) {
      // `x[*a]` is a one-element tuple, as in Python's ast.
      return first.type === 'Starred' ? { type: 'Tuple', elts: [first], range: this.rangeFrom(s) } : first;
    }
    const elts = [first];
    while (this.eatOp(',')) {
      if (this.isOp(']')) break;
      elts.push(this.sliceItem());
    }
    return { type: 'Tuple', elts, range: this.rangeFrom(s) };
  }

  private sliceItem(): A.Expr {
    const s = this.t;
    if (this.isOp('*')) return this.starNamedExpression();
    let lower: A.Expr | null = null;
    if (!this.isOp(':')) {
      lower = this.namedExpression();
      if (!this.isOp(':')) return lower;
    }
    this.next(); // ':'
    const upper = this.isOp(':') || this.isOp(',') || this.isOp(']') ? null : this.test();
    let step: A.Expr | null = null;
    if (this.eatOp(':')) step = this.isOp(',') || this.isOp(']') ? null : this.test();
    return { type: 'Slice', lower, upper, step, range: this.rangeFrom(s) };
  }

  private atom(): A.Expr {
    const t = this.t;
    switch (t.kind) {
      case 'name':
        if (!KEYWORDS.has(t.value)) {
          this.next();
          return { type: 'Name', id: t.value, range: tokenRange(t) };
        }
        if (t.value === 'None') {
          this.next();
          return { type: 'Constant', value: null, kind: 'None', range: tokenRange(t) };
        }
        if (t.value === 'True' || t.value === 'False') {
          this.next();
          return { type: 'Constant', value: t.value === 'True', kind: 'bool', range: tokenRange(t) };
        }
        throw this.fail();
      case 'number':
        this.next();
        return { type: 'Constant', value: t.num, kind: t.numKind ?? 'int', range: tokenRange(t) };
      case 'string':
        return this.strings();
      case 'op':
        switch (t.value) {
          case '(':
          case '[':
          case '{': {
            this.enter();
            const e = t.value === '(' ? this.parenthesized() : t.value === '[' ? this.listDisplay() : this.dictOrSetDisplay();
            this.leave();
            return e;
          }
          case '...':
            this.next();
            return { type: 'Constant', value: null, kind: 'Ellipsis', range: tokenRange(t) };
        }
        throw this.fail();
      default:
        throw this.fail();
    }
  }

  private parenthesized(): A.Expr {
    const open = this.next();
    if (this.isOp(')')) {
      this.next();
      return { type: 'Tuple', elts: [], range: this.rangeFrom(open) };
    }
    if (this.isKw('yield')) {
      const y = this.yieldExpression();
      this.expectClose(')');
      return y;
    }
    const first = this.starNamedExpression();
    if (this.isKw('for') || (this.isKw('async') && this.peek().value === 'for')) {
      const generators = this.comprehensions();
      this.expectClose(')');
      return { type: 'GeneratorExp', elt: first, generators, range: this.rangeFrom(open) };
    }
    if (this.isOp(',')) {
      const elts = [first];
      while (this.eatOp(',')) {
        if (this.isOp(')')) break;
        elts.push(this.starNamedExpression());
      }
      this.expectClose(')');
      return { type: 'Tuple', elts, range: this.rangeFrom(open) };
    }
    if (first.type === 'Starred') throw this.failAt('cannot use starred expression here', first.range);
    this.expectClose(')');
    return first;
  }

  private listDisplay(): A.Expr {
    const open = this.next();
    const elts: A.Expr[] = [];
    if (!this.isOp(']')) {
      const first = this.starNamedExpression();
      if (this.isKw('for') || (this.isKw('async') && this.peek().value === 'for')) {
        const generators = this.comprehensions();
        this.expectClose(']');
          return { type: 'ListComp', elt: first, generators, range: this.rangeFrom(open) };
      }
      elts.push(first);
      while (this.eatOp(',')) {
        if (this.isOp(']')) break;
        elts.push(this.starNamedExpression());
      }
    }
    this.expectClose(']');
    return { type: 'List', elts, range: this.rangeFrom(open) };
  }

  private dictOrSetDisplay(): A.Expr {
    const open = this.next();
    if (this.isOp('}')) {
      this.next();
      return { type: 'Dict', keys: [], values: [], range: this.rangeFrom(open) };
    }
    const keys: (A.Expr | null)[] = [];
    const values: A.Expr[] = [];
    let isDict: boolean;
    if (this.eatOp('**')) {
      keys.push(null);
      values.push(this.bitwiseOr());
      isDict = true;
    } else {
      const first = this.starNamedExpression();
      if (first.type !== 'Starred' && this.eatOp(':')) {
        const value = this.test();
        if (this.isKw('for') || (this.isKw('async') && this.peek().value === 'for')) {
          const generators = this.comprehensions();
          this.expectClose('}');
              return { type: 'DictComp', key: first, value, generators, range: this.rangeFrom(open) };
        }
        keys.push(first);
        values.push(value);
        isDict = true;
      } else {
        if (this.isKw('for') || (this.isKw('async') && this.peek().value === 'for')) {
          const generators = this.comprehensions();
          this.expectClose('}');
              return { type: 'SetComp', elt: first, generators, range: this.rangeFrom(open) };
        }
        values.push(first);
        isDict = false;
      }
    }
    while (this.eatOp(',')) {
      if (this.isOp('}')) break;
      if (!isDict) {
        values.push(this.starNamedExpression());
      } else if (this.eatOp('**')) {
        keys.push(null);
        values.push(this.bitwiseOr());
      } else {
        keys.push(this.test());
        this.expectOp(':');
        values.push(this.test());
      }
    }
    this.expectClose('}');
    if (isDict) return { type: 'Dict', keys, values, range: this.rangeFrom(open) };
    return { type: 'Set', elts: values, range: this.rangeFrom(open) };
  }

  private comprehensions(): A.Comprehension[] {
    const generators: A.Comprehension[] = [];
    while (true) {
      let isAsync = false;
      if (this.isKw('async') && this.peek().kind === 'name' && this.peek().value === 'for') {
        this.next();
        isAsync = true;
      } else if (!this.isKw('for')) break;
      this.next(); // for
      const target = this.targetList();
      this.checkTarget(target, 'comprehension');
      if (!this.eatKw('in')) throw this.fail();
      const iter = this.orTest();
      const ifs: A.Expr[] = [];
      while (this.eatKw('if')) ifs.push(this.orTest());
      generators.push({ target, iter, ifs, isAsync });
    }
    return generators;
  }

  private yieldExpression(): A.Yield {
    const s = this.next(); // yield
    if (this.eatKw('from')) {
      const value = this.test();
      return { type: 'Yield', value, from: true, range: this.rangeFrom(s) };
    }
    const value = canStartExpression(this.t) ? this.starExpressions() : null;
    return { type: 'Yield', value, from: false, range: this.rangeFrom(s) };
  }

  /** Adjacent string literals: one Constant, or a JoinedStr when any of them is an f-string. */
  private strings(): A.Constant | A.JoinedStr {
    const s = this.t;
    let value = '';
    let joined: (string | A.Expr)[] | null = null;
    const appendText = (text: string): void => {
      if (text === '') return;
      const parts = joined!;
      const last = parts.length - 1;
      if (last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + text;
      else parts.push(text);
    };
    while (this.t.kind === 'string') {
      const t = this.next();
      if (t.fparts === null) {
        if (joined === null) value += t.value;
        else appendText(t.value);
        continue;
      }
      if (joined === null) {
        joined = [];
        appendText(value);
      }
      for (const part of t.fparts) {
        if (typeof part === 'string') appendText(part);
        else {
          const e = this.fstringField(part);
          if (e !== null) joined.push(e);
        }
      }
    }
    if (joined === null) return { type: 'Constant', value, kind: 'str', range: this.rangeFrom(s) };
    return { type: 'JoinedStr', parts: joined, range: this.rangeFrom(s) };
  }

  /** Parses an f-string replacement field's expression from its own token stream; null after an error. */
  private fstringField(field: FStringField): A.Expr | null {
    const lexed = tokenize(this.src, {
      start: field.start, end: field.end, line: field.line, lineStart: field.start - field.col, expression: true,
    });
    for (const e of lexed.errors) this.report(e.message, e.range, e.offset);
    const saved = { toks: this.toks, p: this.p, t: this.t, prev: this.prev, depth: this.depth };
    this.toks = lexed.tokens;
    this.p = 0;
    this.t = lexed.tokens[0];
    try {
      this.enter();
      const e = this.isKw('yield') ? this.yieldExpression() : this.starExpressions();
      if (this.t.kind !== 'eof') throw this.fail("f-string: expecting '}'");
      return e;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.reportError(e);
      return null;
    } finally {
      this.toks = saved.toks;
      this.p = saved.p;
      this.t = saved.t;
      this.prev = saved.prev;
      this.depth = saved.depth;
    }
  }
}
