import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tokenize, type Token, type FStringField } from '../../src/core/python/lexer';

/** Compact view of the token stream: NAME/op text, and markers for layout tokens. */
function kinds(src: string): string[] {
  return tokenize(src).tokens.map((t) => {
    switch (t.kind) {
      case 'newline': return 'NL';
      case 'indent': return 'IN';
      case 'dedent': return 'DE';
      case 'eof': return 'EOF';
      case 'string': return `S:${t.value}`;
      case 'number': return `N:${t.value}`;
      default: return t.value;
    }
  });
}

function pos(t: Token): [number, number, number, number] {
  return [t.line, t.col, t.endLine, t.endCol];
}

function only(src: string, kind: Token['kind']): Token[] {
  return tokenize(src).tokens.filter((t) => t.kind === kind);
}

function errorMessages(src: string): string[] {
  return tokenize(src).errors.map((e) => e.message);
}

test('simple line: kinds, values and exact positions', () => {
  const { tokens, errors } = tokenize('x = foo(1, y)\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(tokens.map((t) => [t.kind, t.value]), [
    ['name', 'x'], ['op', '='], ['name', 'foo'], ['op', '('], ['number', '1'], ['op', ','], ['name', 'y'], ['op', ')'],
    ['newline', ''], ['eof', ''],
  ]);
  assert.deepEqual(pos(tokens[2]), [1, 4, 1, 7]);
  assert.deepEqual(pos(tokens[7]), [1, 12, 1, 13]);
  assert.equal(tokens[2].start, 4);
  assert.equal(tokens[2].end, 7);
  assert.deepEqual(pos(tokens[8]), [1, 13, 1, 14]);
  assert.deepEqual(pos(tokens[9]), [2, 0, 2, 0]);
});

test('INDENT/DEDENT with a stack; blank and comment-only lines do not count', () => {
  const src = 'if a:\n    b\n\n        # deep comment\n    if c:\n        d\n\ne\n';
  assert.deepEqual(kinds(src), ['if', 'a', ':', 'NL', 'IN', 'b', 'NL', 'if', 'c', ':', 'NL', 'IN', 'd', 'NL', 'DE', 'DE', 'e', 'NL', 'EOF']);
});

test('several DEDENTs at once and at EOF without final newline', () => {
  assert.deepEqual(kinds('def f():\n  if x:\n    y\nz'), ['def', 'f', '(', ')', ':', 'NL', 'IN', 'if', 'x', ':', 'NL', 'IN', 'y', 'NL', 'DE', 'DE', 'z', 'NL', 'EOF']);
  assert.deepEqual(kinds('if x:\n  y'), ['if', 'x', ':', 'NL', 'IN', 'y', 'NL', 'DE', 'EOF']);
  const eof = tokenize('x = 1').tokens;
  assert.equal(eof.at(-2)!.kind, 'newline');
  assert.deepEqual(pos(eof.at(-1)!), [1, 5, 1, 5]);
});

test('tabs indent to multiples of 8 and mix consistently', () => {
  assert.deepEqual(kinds('if x:\n\ty\n\tif z:\n\t\tw\n'), ['if', 'x', ':', 'NL', 'IN', 'y', 'NL', 'if', 'z', ':', 'NL', 'IN', 'w', 'NL', 'DE', 'DE', 'EOF']);
  assert.deepEqual(errorMessages('if x:\n\ty\n\tz\n'), []);
  assert.deepEqual(errorMessages('if x:\n        y\n\tz\n'), ['inconsistent use of tabs and spaces in indentation']);
});

test('implicit line joining inside brackets and backslash continuation', () => {
  assert.deepEqual(kinds('x = (1,\n     2)\ny = [\n  3,\n]\n'), ['x', '=', '(', 'N:1', ',', 'N:2', ')', 'NL', 'y', '=', '[', 'N:3', ',', ']', 'NL', 'EOF']);
  assert.deepEqual(kinds('x = 1 + \\\n    2\n'), ['x', '=', 'N:1', '+', 'N:2', 'NL', 'EOF']);
  assert.deepEqual(kinds('d = {\n  "a": 1,  # note\n\n  "b": 2}\n'), ['d', '=', '{', 'S:a', ':', 'N:1', ',', 'S:b', ':', 'N:2', '}', 'NL', 'EOF']);
  const two = tokenize('x = 1 + \\\n    2\n').tokens;
  assert.deepEqual(pos(two[4]), [2, 4, 2, 5]);
});

test('comments: text without #, exact ranges, everywhere', () => {
  const { comments } = tokenize('# top\nx = 1  # trailing\nf(a,  # in call\n  b)\n    # indented only\n#\n');
  assert.deepEqual(comments.map((c) => c.text), [' top', ' trailing', ' in call', ' indented only', '']);
  assert.deepEqual(comments[1].range, { line: 2, column: 7, endLine: 2, endColumn: 17 });
  assert.deepEqual(comments[4].range, { line: 6, column: 0, endLine: 6, endColumn: 1 });
});

test('seed model comments include the input shape note', () => {
  const src = readFileSync(new URL('../../models/alexnet.py', import.meta.url), 'utf8');
  const { comments, errors } = tokenize(src);
  assert.deepEqual(errors, []);
  assert.equal(comments.length, 8);
  assert.equal(comments[0].text, ' input[3, 224, 224]  output[48, 55, 55]');
  assert.deepEqual(comments[0].range, { line: 9, column: 68, endLine: 9, endColumn: 108 });
  assert.equal(comments[7].text, ' output[128, 6, 6]');
  assert.deepEqual(comments[7].range, { line: 21, column: 68, endLine: 21, endColumn: 87 });
});

test('string prefixes in any case, quotes, decoding', () => {
  const strings = only(`'a' "b" r'\\d' R"\\n" b'\\x41' Rb'\\x' bR"c" u'\\u00e9' U"d" '\\t\\n\\\\\\'\\101\\x42\\q'\n`, 'string');
  assert.deepEqual(strings.map((t) => t.value), ['a', 'b', '\\d', '\\n', 'A', '\\x', 'c', 'é', 'd', "\t\n\\'AB\\q"]);
  assert.deepEqual(strings.map((t) => t.isBytes), [false, false, false, false, true, true, true, false, false, false]);
  assert.equal(only('x = "\\U0001F600"\n', 'string')[0].value, '😀');
  assert.equal(only("'\\N{BULLET}'\n", 'string')[0].value, '\\N{BULLET}');
});

test('triple-quoted strings span lines; ranges end on the last line', () => {
  const t = only('x = """one\n"two" \'\'three\'\'\nfour"""\ny\n', 'string')[0];
  assert.equal(t.value, 'one\n"two" \'\'three\'\'\nfour');
  assert.deepEqual(pos(t), [1, 4, 3, 7]);
  assert.deepEqual(kinds('s = """a\nb"""\ny\n').slice(-4), ['NL', 'y', 'NL', 'EOF']);
  const raw = only("r'''a\\\nb'''\n", 'string')[0];
  assert.equal(raw.value, 'a\\\nb');
  assert.equal(only("'a\\\nb'\n", 'string')[0].value, 'ab');
});

test('f-strings: literal parts and field offsets', () => {
  const src = 'f"a{x}b{y!r:>{w}}c{{d}}"\n';
  const t = only(src, 'string')[0];
  const parts = t.fparts!;
  assert.equal(parts.length, 5);
  assert.equal(parts[0], 'a');
  const x = parts[1] as FStringField;
  assert.equal(src.slice(x.start, x.end), 'x');
  assert.deepEqual([x.line, x.col], [1, 4]);
  assert.equal(parts[2], 'b');
  const y = parts[3] as FStringField;
  assert.equal(src.slice(y.start, y.end), 'y');
  assert.equal(parts[4], 'c{d}');
  assert.deepEqual(pos(t), [1, 0, 1, 24]);
});

test('f-strings: self-documenting fields, prefixes, nested quotes and multi-line fields', () => {
  const doc = only('f"{x = }"\n', 'string')[0].fparts!;
  assert.equal(doc[0], 'x = ');
  assert.equal(doc.length, 2);
  for (const p of ['F', 'rf', 'fR', 'Rf', 'FR']) assert.ok(only(`${p}"{a}"\n`, 'string')[0].fparts, p);
  const src = 'f"{d["key"]} {f\'{n}\'}"\n';
  const nested = only(src, 'string')[0].fparts!;
  const f0 = nested[0] as FStringField;
  assert.equal(src.slice(f0.start, f0.end), 'd["key"]');
  const f2 = nested[2] as FStringField;
  assert.equal(src.slice(f2.start, f2.end), "f'{n}'");
  const multi = 'f"""{a +\n b}"""\n';
  const m = only(multi, 'string')[0].fparts![0] as FStringField;
  assert.equal(multi.slice(m.start, m.end), 'a +\n b');
  assert.deepEqual(tokenize(multi).errors, []);
  assert.deepEqual(errorMessages('f"{}"\n'), ['f-string: empty expression not allowed']);
  assert.deepEqual(errorMessages('f"a}"\n'), ["f-string: single '}' is not allowed"]);
});

test('numbers: ints with underscores, hex/oct/bin, floats, exponents, imaginary', () => {
  const nums = only('1_000 0x_FF 0o17 0B101 3.14 .5 5. 1e3 1E-2 2.5e+1_0 10j 1.5J 0 00 1_0.0_1', 'number');
  assert.deepEqual(nums.map((t) => [t.num, t.numKind]), [
    [1000, 'int'], [255, 'int'], [15, 'int'], [5, 'int'], [3.14, 'float'], [0.5, 'float'], [5, 'float'], [1000, 'float'],
    [0.01, 'float'], [2.5e10, 'float'], [10, 'complex'], [1.5, 'complex'], [0, 'int'], [0, 'int'], [10.01, 'float'],
  ]);
  assert.deepEqual(kinds('1if x else 2'), ['N:1', 'if', 'x', 'else', 'N:2', 'NL', 'EOF']);
  assert.deepEqual(kinds('x.real 1..real'), ['x', '.', 'real', 'N:1.', '.', 'real', 'NL', 'EOF']);
});

test('number errors in CPython wording', () => {
  assert.deepEqual(errorMessages('0777'), ['leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers']);
  assert.deepEqual(errorMessages('1abc'), ['invalid decimal literal']);
  assert.deepEqual(errorMessages('1__0'), ['invalid decimal literal']);
  assert.deepEqual(errorMessages('0xZ'), ['invalid hexadecimal literal']);
  assert.deepEqual(errorMessages('0b12'), ['invalid binary literal']);
});

test('operators, longest match first', () => {
  const ops = '+ - * / // % ** @ << >> & | ^ ~ < > <= >= == != -> := += -= *= /= //= %= **= @= <<= >>= &= |= ^= ... . , ; : = ( ) [ ] { }';
  const got = only(ops, 'op').map((t) => t.value);
  assert.deepEqual(got, ops.split(' '));
  assert.deepEqual(only('a**=b//=c', 'op').map((t) => t.value), ['**=', '//=']);
  assert.deepEqual(only('x[...]', 'op').map((t) => t.value), ['[', '...', ']']);
});

test('CRLF and CR line ends give the same tokens and positions as LF', () => {
  const lf = 'class A:\n    def f(self):\n        return (1,\n                2)  # c\n';
  const strip = (src: string) => tokenize(src).tokens.map((t) => [t.kind, t.value, t.line, t.col, t.endLine, t.kind === 'newline' ? 0 : t.endCol]);
  assert.deepEqual(strip(lf.replace(/\n/g, '\r\n')), strip(lf));
  assert.deepEqual(strip(lf.replace(/\n/g, '\r')), strip(lf));
  assert.deepEqual(tokenize(lf.replace(/\n/g, '\r\n')).comments[0].text, ' c');
  assert.equal(only('"""a\r\nb"""', 'string')[0].value, 'a\nb');
});

test('a BOM is skipped and not counted in columns', () => {
  const { tokens, errors } = tokenize('\ufeffimport torch\n');
  assert.deepEqual(errors, []);
  assert.equal(tokens[0].value, 'import');
  assert.deepEqual(pos(tokens[0]), [1, 0, 1, 6]);
  assert.deepEqual(pos(tokens[1]), [1, 7, 1, 12]);
});

test('non-ASCII identifiers (NFKC-normalized)', () => {
  const names = only('größe = ｗｉｄｔｈ + 变量', 'name').map((t) => t.value);
  assert.deepEqual(names, ['größe', 'width', '变量']);
});

test('lexical errors with CPython messages and positions', () => {
  const un = tokenize("x = 'abc\ny = 1\n");
  assert.deepEqual(un.errors.map((e) => e.message), ['unterminated string literal (detected at line 1)']);
  assert.equal(un.errors[0].range.column, 4);
  assert.deepEqual(kinds("x = 'abc\ny = 1\n"), ['x', '=', 'S:abc', 'NL', 'y', '=', 'N:1', 'NL', 'EOF']);
  assert.deepEqual(errorMessages('"""abc\n\n'), ['unterminated triple-quoted string literal (detected at line 3)']);
  assert.deepEqual(errorMessages('x = $\n'), ["invalid character '$' (U+0024)"]);
  assert.deepEqual(errorMessages('x = €\n'), ["invalid character '€' (U+20AC)"]);
  assert.deepEqual(errorMessages('x = a ! b\n'), ['invalid syntax']);
  assert.deepEqual(errorMessages('x = 1 \\ 2\n'), ['unexpected character after line continuation character']);
  assert.deepEqual(errorMessages(')\n'), ["unmatched ')'"]);
  assert.deepEqual(errorMessages('f(a]\n'), ["closing parenthesis ']' does not match opening parenthesis '('"]);
  assert.deepEqual(errorMessages('if x:\n    a\n  b\n'), ['unindent does not match any outer indentation level']);
  const never = tokenize('foo(a, [b,\n');
  assert.deepEqual(never.errors.map((e) => [e.message, e.range]), [["'[' was never closed", { line: 1, column: 7, endLine: 1, endColumn: 8 }]]);
});

test('an unclosed bracket is closed before a line that starts a statement', () => {
  const src = 'x = f(1,\ndef g():\n    pass\n';
  assert.deepEqual(kinds(src), ['x', '=', 'f', '(', 'N:1', ',', 'NL', 'def', 'g', '(', ')', ':', 'NL', 'IN', 'pass', 'NL', 'DE', 'EOF']);
  assert.deepEqual(errorMessages(src), ["'(' was never closed"]);
  // An assignment at the opener's indentation ends the group only when it is still open at EOF.
  assert.deepEqual(kinds('x = [1,\ny = 2\n'), ['x', '=', '[', 'N:1', ',', 'NL', 'y', '=', 'N:2', 'NL', 'EOF']);
  assert.deepEqual(kinds('x = dict(\na=1)\n'), ['x', '=', 'dict', '(', 'a', '=', 'N:1', ')', 'NL', 'EOF']);
});

test('expression mode tokenizes a slice without layout tokens', () => {
  const src = 'abc(x +\n y)';
  const r = tokenize(src, { start: 4, end: 10, line: 1, lineStart: 0, expression: true });
  assert.deepEqual(r.tokens.map((t) => t.value || t.kind), ['x', '+', 'y', 'eof']);
  assert.deepEqual(pos(r.tokens[0]), [1, 4, 1, 5]);
  assert.deepEqual(pos(r.tokens[2]), [2, 1, 2, 2]);
});

test('never throws and terminates on hostile input', () => {
  const inputs = ['(', ')'.repeat(1000), '('.repeat(100000), '"""', "'", 'f"{', 'f"{x:{y:{z', 'f"{' .repeat(5000), '\\', '\\\n'.repeat(1000),
    '\t \f\r\n\r', '\ud800', '0x', '1e', '1_', '...', '\ufeff', '', ' ', '\n\n\n', 'if x:\n' + ' '.repeat(50000) + 'y'];
  // a hang would be stopped by the stage's time limit; each input ends with the end-of-file token
  for (const src of inputs) {
    const r = tokenize(src);
    assert.equal(r.tokens.at(-1)!.kind, 'eof');
  }
});
