import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from '../../src/core/python';
import type * as ast from '../../src/core/python';
import type { SourceRange } from '../../src/core/model/ir';

const ALEXNET = readFileSync(new URL('../../models/alexnet.py', import.meta.url), 'utf8');

/** Compact S-expression of an expression, to assert structure and precedence in one line. */
function sx(e: ast.Expr | null): string {
  if (e === null) return '_';
  switch (e.type) {
    case 'Name': return e.id;
    case 'Constant':
      if (e.kind === 'str') return JSON.stringify(e.value);
      if (e.kind === 'None') return 'None';
      if (e.kind === 'Ellipsis') return '...';
      if (e.kind === 'bool') return e.value ? 'True' : 'False';
      if (e.kind === 'complex') return `${e.value}j`;
      return e.kind === 'float' && Number.isInteger(e.value) ? `${e.value}.0` : String(e.value);
    case 'JoinedStr': return `(f ${e.parts.map((p) => (typeof p === 'string' ? JSON.stringify(p) : sx(p))).join(' ')})`;
    case 'Attribute': return `(. ${sx(e.value)} ${e.attr})`;
    case 'Call': return `(call ${[sx(e.func), ...e.args.map(sx), ...e.keywords.map((k) => (k.arg === null ? `**${sx(k.value)}` : `${k.arg}=${sx(k.value)}`))].join(' ')})`;
    case 'BinOp': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'UnaryOp': return `(${e.op} ${sx(e.operand)})`;
    case 'BoolOp': return `(${e.op} ${e.values.map(sx).join(' ')})`;
    case 'Compare': return `(cmp ${sx(e.left)} ${e.ops.map((op, i) => `${op} ${sx(e.comparators[i])}`).join(' ')})`;
    case 'List': return `(list${e.elts.map((x) => ' ' + sx(x)).join('')})`;
    case 'Tuple': return `(tuple${e.elts.map((x) => ' ' + sx(x)).join('')})`;
    case 'Set': return `(set${e.elts.map((x) => ' ' + sx(x)).join('')})`;
    case 'Dict': return `(dict${e.keys.map((k, i) => ' ' + (k === null ? `**${sx(e.values[i])}` : `${sx(k)}:${sx(e.values[i])}`)).join('')})`;
    case 'Subscript': return `([] ${sx(e.value)} ${sx(e.slice)})`;
    case 'Slice': return `(: ${sx(e.lower)} ${sx(e.upper)} ${sx(e.step)})`;
    case 'IfExp': return `(if ${sx(e.test)} ${sx(e.body)} ${sx(e.orelse)})`;
    case 'Starred': return `*${sx(e.value)}`;
    case 'ListComp': return `(listcomp ${sx(e.elt)}${gens(e.generators)})`;
    case 'SetComp': return `(setcomp ${sx(e.elt)}${gens(e.generators)})`;
    case 'GeneratorExp': return `(genexp ${sx(e.elt)}${gens(e.generators)})`;
    case 'DictComp': return `(dictcomp ${sx(e.key)}:${sx(e.value)}${gens(e.generators)})`;
    case 'Lambda': return `(lambda (${e.params.map(param).join(' ')}) ${sx(e.body)})`;
    case 'NamedExpr': return `(:= ${e.target.id} ${sx(e.value)})`;
    case 'Await': return `(await ${sx(e.value)})`;
    case 'Yield': return `(${e.from ? 'yield-from' : 'yield'} ${sx(e.value)})`;
  }
}
function gens(g: ast.Comprehension[]): string {
  return g.map((c) => ` (${c.isAsync ? 'async-for' : 'for'} ${sx(c.target)} ${sx(c.iter)}${c.ifs.map((i) => ` (if ${sx(i)})`).join('')})`).join('');
}
function param(p: ast.Param): string {
  const prefix = p.kind === 'vararg' ? '*' : p.kind === 'kwarg' ? '**' : '';
  const suffix = p.kind === 'posonly' ? '/' : p.kind === 'kwonly' ? '!' : '';
  return `${prefix}${p.name}${suffix}${p.annotation ? ':' + sx(p.annotation) : ''}${p.default ? '=' + sx(p.default) : ''}`;
}

function ok(src: string): ast.Module {
  const r = parse(src);
  assert.deepEqual(r.errors, [], `unexpected errors for ${JSON.stringify(src)}`);
  return r.module;
}
/** The expression of a one-line expression statement. */
function expr(src: string): ast.Expr {
  const s = ok(src + '\n').body[0];
  assert.equal(s.type, 'Expr');
  return (s as ast.ExprStmt).value;
}
function r(line: number, column: number, endLine: number, endColumn: number): SourceRange {
  return { line, column, endLine, endColumn };
}
function errs(src: string): string[] {
  return parse(src).errors.map((e) => `${e.range.line}:${e.range.column} ${e.message}`);
}
function types(body: ast.Stmt[]): string[] {
  return body.map((s) => ('name' in s ? `${s.type}:${(s as ast.FunctionDef).name}` : s.type));
}

// ---------------------------------------------------------------- seed model

test('alexnet.py: class, methods, parameters', () => {
  const m = ok(ALEXNET);
  assert.deepEqual(types(m.body), ['Import', 'Import', 'ClassDef:AlexNet']);
  const imp = m.body[0] as ast.Import;
  assert.deepEqual(imp.names, [{ name: 'torch.nn', asname: 'nn', range: r(1, 7, 1, 21) }]);
  const cls = m.body[2] as ast.ClassDef;
  assert.deepEqual(cls.range, r(5, 0, 49, 44));
  assert.deepEqual(cls.nameRange, r(5, 6, 5, 13));
  assert.deepEqual(cls.bases.map(sx), ['(. nn Module)']);
  assert.deepEqual(types(cls.body), ['FunctionDef:__init__', 'FunctionDef:forward', 'FunctionDef:_initialize_weights']);
  const [init, forward, initw] = cls.body as ast.FunctionDef[];
  assert.deepEqual(init.params.map(param), ['self', 'num_classes=1000', 'init_weights=False']);
  assert.deepEqual(init.params.map((p) => p.range), [r(6, 17, 6, 21), r(6, 23, 6, 34), r(6, 41, 6, 53)]);
  assert.deepEqual([init.range.line, init.range.endLine], [6, 33]);
  assert.deepEqual(types(forward.body), ['Assign', 'Assign', 'Assign', 'Return']);
  assert.deepEqual(forward.range, r(35, 4, 39, 16));
  assert.equal(sx((forward.body[1] as ast.Assign).value), '(call (. torch flatten) x start_dim=1)');
  const loop = initw.body[0] as ast.For;
  assert.equal(loop.type, 'For');
  assert.equal(sx(loop.iter), '(call (. self modules))');
  assert.deepEqual(loop.range, r(42, 8, 49, 44));
  const ifs = loop.body[0] as ast.If;
  assert.equal(sx(ifs.test), '(call isinstance m (. nn Conv2d))');
  assert.equal(ifs.orelse.length, 1);
  assert.equal(sx((ifs.orelse[0] as ast.If).test), '(call isinstance m (. nn Linear))');
  assert.equal(sx(((ifs.body[1] as ast.If).test)), '(cmp (. m bias) is not None)');
});

test('alexnet.py: nn.Sequential call ranges, arguments, keywords and attribute ranges', () => {
  const cls = ok(ALEXNET).body[2] as ast.ClassDef;
  const init = cls.body[0] as ast.FunctionDef;
  assert.equal(sx((init.body[0] as ast.ExprStmt).value), '(call (. (call super AlexNet self) __init__))');
  const features = init.body[1] as ast.Assign;
  assert.equal(sx(features.targets[0]), '(. self features)');
  const seq = features.value as ast.Call;
  assert.deepEqual(seq.range, r(8, 24, 22, 9));
  assert.equal(sx(seq.func), '(. nn Sequential)');
  assert.deepEqual((seq.func as ast.Attribute).attrRange, r(8, 27, 8, 37));
  assert.equal(seq.args.length, 13);
  const conv = seq.args[0] as ast.Call;
  assert.equal(sx(conv), '(call (. nn Conv2d) 3 48 kernel_size=11 stride=4 padding=2)');
  assert.deepEqual(conv.range, r(9, 12, 9, 65));
  assert.deepEqual(conv.func.range, r(9, 12, 9, 21));
  assert.deepEqual((conv.func as ast.Attribute).attrRange, r(9, 15, 9, 21));
  assert.deepEqual(conv.keywords.map((k) => [k.arg, k.range]), [
    ['kernel_size', r(9, 29, 9, 43)], ['stride', r(9, 45, 9, 53)], ['padding', r(9, 55, 9, 64)],
  ]);
  const classifier = (init.body[2] as ast.Assign).value as ast.Call;
  assert.deepEqual(classifier.range, r(23, 26, 31, 9));
  assert.equal(classifier.args.length, 7);
  const linear = classifier.args[1] as ast.Call;
  assert.equal(sx(linear), '(call (. nn Linear) (* (* 128 6) 6) 2048)');
  assert.deepEqual(linear.range, r(25, 12, 25, 40));
  assert.deepEqual(linear.args[0].range, r(25, 22, 25, 33));
  assert.deepEqual((linear.args[0] as ast.BinOp).left.range, r(25, 22, 25, 29));
});

test('alexnet.py: comments are on the module, input shape note first', () => {
  const m = ok(ALEXNET);
  assert.equal(m.comments.length, 8);
  assert.equal(m.comments[0].text, ' input[3, 224, 224]  output[48, 55, 55]');
  assert.deepEqual(m.comments[0].range, r(9, 68, 9, 108));
  assert.deepEqual(m.comments.map((c) => c.range.line), [9, 11, 12, 14, 15, 17, 19, 21]);
});

// ---------------------------------------------------------------- precedence

test('precedence: power, unary, arithmetic, shifts, bitwise', () => {
  const cases: [string, string][] = [
    ['-2**2', '(- (** 2 2))'],
    ['2**-1', '(** 2 (- 1))'],
    ['2**3**2', '(** 2 (** 3 2))'],
    ['-x.y', '(- (. x y))'],
    ['~a + b', '(+ (~ a) b)'],
    ['a + b * c', '(+ a (* b c))'],
    ['a - b - c', '(- (- a b) c)'],
    ['a / b // c % d @ e', '(@ (% (// (/ a b) c) d) e)'],
    ['a << b + c', '(<< a (+ b c))'],
    ['a | b ^ c & d << e', '(| a (^ b (& c (<< d e))))'],
    ['a & b | c', '(| (& a b) c)'],
    ['(a + b) * c', '(* (+ a b) c)'],
    ['await x ** 2', '(** (await x) 2)'],
    ['-await x', '(- (await x))'],
    ['x[a][b].c(d)', '(call (. ([] ([] x a) b) c) d)'],
  ];
  for (const [src, want] of cases) assert.equal(sx(expr(src)), want, src);
});

test('precedence: comparisons, not, and/or, ternary, lambda, walrus', () => {
  const cases: [string, string][] = [
    ['a < b <= c', '(cmp a < b <= c)'],
    ['a == b != c', '(cmp a == b != c)'],
    ['a not in b', '(cmp a not in b)'],
    ['a is not b', '(cmp a is not b)'],
    ['not a in b', '(not (cmp a in b))'],
    ['a in b is c', '(cmp a in b is c)'],
    ['a | b < c + d', '(cmp (| a b) < (+ c d))'],
    ['a or b and not c', '(or a (and b (not c)))'],
    ['a and b and c or d', '(or (and a b c) d)'],
    ['not not a', '(not (not a))'],
    ['a if b else c if d else e', '(if b a (if d c e))'],
    ['a or b if c and d else e', '(if (and c d) (or a b) e)'],
    ['lambda x: x if y else z', '(lambda (x) (if y x z))'],
    ['lambda: 0', '(lambda () 0)'],
    ['lambda a, b=1, *c, d, e=2, **f: a', '(lambda (a b=1 *c d! e!=2 **f) a)'],
    ['(y := f(x))', '(:= y (call f x))'],
    ['f(a := 1)', '(call f (:= a 1))'],
  ];
  for (const [src, want] of cases) assert.equal(sx(expr(src)), want, src);
});

// ---------------------------------------------------------------- expressions

test('atoms and literals', () => {
  const cases: [string, string][] = [
    ['None', 'None'], ['True', 'True'], ['False', 'False'], ['...', '...'],
    ['1_000', '1000'], ['0xff', '255'], ['1.5e3', '1500.0'], ['2j', '2j'], ['1.0', '1.0'],
    ['"a" \'b\' """c"""', '"abc"'],
    ['b"\\x41"', '"A"'],
    ['f"x{a}y{b!r:>{w}}z"', '(f "x" a "y" b "z")'],
    ['"s" f"{a}" "t"', '(f "s" a "t")'],
    ['f"{a=}"', '(f "a=" a)'],
    ['f"{x["k"]:{w}}"', '(f ([] x "k"))'],
    ['f"{a, b}"', '(f (tuple a b))'],
    ['f"{f\'{n}\'}"', '(f (f n))'],
  ];
  for (const [src, want] of cases) assert.equal(sx(expr(src)), want, src);
  const fs = expr('f"ab{ x + 1 }"') as ast.JoinedStr;
  assert.deepEqual(fs.range, r(1, 0, 1, 14));
  assert.deepEqual((fs.parts[1] as ast.Expr).range, r(1, 6, 1, 11));
});

test('displays and comprehensions', () => {
  const cases: [string, string][] = [
    ['()', '(tuple)'], ['(1,)', '(tuple 1)'], ['(1, *a)', '(tuple 1 *a)'], ['(a)', 'a'],
    ['[]', '(list)'], ['[1, 2,]', '(list 1 2)'], ['[*a, b]', '(list *a b)'],
    ['{}', '(dict)'], ['{1: 2, **d, 3: 4}', '(dict 1:2 **d 3:4)'], ['{**d}', '(dict **d)'],
    ['{1, *s}', '(set 1 *s)'],
    ['[x for x in y]', '(listcomp x (for x y))'],
    ['[x for x in y if a if b for z in x]', '(listcomp x (for x y (if a) (if b)) (for z x))'],
    ['[a if c else b for a, b in y]', '(listcomp (if c a b) (for (tuple a b) y))'],
    ['{k: v for k, v in d.items()}', '(dictcomp k:v (for (tuple k v) (call (. d items))))'],
    ['{x for x in y}', '(setcomp x (for x y))'],
    ['(x for x in y)', '(genexp x (for x y))'],
    ['[x async for x in y]', '(listcomp x (async-for x y))'],
    ['[x for *a, b in y]', '(listcomp x (for (tuple *a b) y))'],
    ['[x for x in a or b if c]', '(listcomp x (for x (or a b) (if c)))'],
  ];
  for (const [src, want] of cases) assert.equal(sx(expr(src)), want, src);
});

test('calls: positional, keyword, *args, **kwargs, generator argument', () => {
  assert.equal(sx(expr('f(a, *b, c=1, *d, **e)')), '(call f a *b *d c=1 **e)');
  assert.equal(sx(expr('f()')), '(call f)');
  assert.equal(sx(expr('f(a,)')), '(call f a)');
  assert.equal(sx(expr('sum(x for x in y)')), '(call sum (genexp x (for x y)))');
  const g = expr('sum(x for x in y)') as ast.Call;
  assert.deepEqual(g.args[0].range, r(1, 3, 1, 17));
  const kw = expr('f(**kw)') as ast.Call;
  assert.deepEqual(kw.keywords[0].range, r(1, 2, 1, 6));
  const st = expr('f(*a)') as ast.Call;
  assert.deepEqual(st.args[0].range, r(1, 2, 1, 4));
});

test('subscripts with slices and tuples of slices', () => {
  const cases: [string, string][] = [
    ['x[0]', '([] x 0)'],
    ['x[:]', '([] x (: _ _ _))'],
    ['x[1:2]', '([] x (: 1 2 _))'],
    ['x[::2]', '([] x (: _ _ 2))'],
    ['x[a:b:c]', '([] x (: a b c))'],
    ['x[:, 0]', '([] x (tuple (: _ _ _) 0))'],
    ['x[..., 1:2]', '([] x (tuple ... (: 1 2 _)))'],
    ['x[a, b]', '([] x (tuple a b))'],
    ['x[a,]', '([] x (tuple a))'],
    ['x[-1]', '([] x (- 1))'],
    ['x[*a]', '([] x (tuple *a))'],
    ['x[i := 1]', '([] x (:= i 1))'],
  ];
  for (const [src, want] of cases) assert.equal(sx(expr(src)), want, src);
  const s = expr('x[:, 0]') as ast.Subscript;
  assert.deepEqual(s.slice.range, r(1, 2, 1, 6));
  assert.deepEqual((s.slice as ast.Tuple).elts[0].range, r(1, 2, 1, 3));
  assert.deepEqual(expr('x[1:2]').range, r(1, 0, 1, 6));
});

test('yield and await', () => {
  const f = ok('def g():\n    x = yield\n    y = yield a, b\n    yield from z\n    z = (yield)\n').body[0] as ast.FunctionDef;
  assert.deepEqual(f.body.map((s) => sx(s.type === 'Assign' ? s.value : (s as ast.ExprStmt).value)), [
    '(yield _)', '(yield (tuple a b))', '(yield-from z)', '(yield _)',
  ]);
  assert.deepEqual((f.body[3] as ast.Assign).value.range, r(5, 9, 5, 14));
  const a = ok('async def h():\n    await x\n').body[0] as ast.FunctionDef;
  assert.equal(a.isAsync, true);
  assert.deepEqual(a.range, r(1, 0, 2, 11));
});

test('expression ranges follow Python ast (parentheses belong to the enclosing node)', () => {
  const b = expr('(a + b) * c') as ast.BinOp;
  assert.deepEqual(b.range, r(1, 0, 1, 11));
  assert.deepEqual(b.left.range, r(1, 1, 1, 6));
  assert.deepEqual(expr('(a, b)').range, r(1, 0, 1, 6));
  assert.deepEqual(expr('(f)(x)').range, r(1, 0, 1, 6));
  const t = (ok('x = 1, 2,\n').body[0] as ast.Assign).value;
  assert.deepEqual(t.range, r(1, 4, 1, 9));
  const lam = expr('lambda a: a + 1');
  assert.deepEqual(lam.range, r(1, 0, 1, 15));
  const multi = expr('foo(\n    a,\n    b=[1,\n       2],\n)') as ast.Call;
  assert.deepEqual(multi.range, r(1, 0, 5, 1));
  assert.deepEqual(multi.keywords[0].range, r(3, 4, 4, 9));
});

// ---------------------------------------------------------------- statements

test('assignments: chained, tuple and starred targets, augmented, annotated', () => {
  const m = ok('a = b = c\nx, y = y, x\n*a, b = c\n[a, *b] = c\nx.y[0] = 1\nn += 1\nm **= 2\nf //= 3\ng @= h\nv: int\nw: list[int] = []\n');
  const [chain, swap, star, list, attr, aug, pow, floordiv, mat, ann, ann2] = m.body;
  assert.equal(chain.type, 'Assign');
  assert.deepEqual((chain as ast.Assign).targets.map(sx), ['a', 'b']);
  assert.equal(sx((chain as ast.Assign).value), 'c');
  assert.deepEqual((swap as ast.Assign).targets.map(sx), ['(tuple x y)']);
  assert.equal(sx((swap as ast.Assign).value), '(tuple y x)');
  assert.deepEqual((star as ast.Assign).targets.map(sx), ['(tuple *a b)']);
  assert.deepEqual((list as ast.Assign).targets.map(sx), ['(list a *b)']);
  assert.deepEqual((attr as ast.Assign).targets.map(sx), ['([] (. x y) 0)']);
  assert.deepEqual([aug.type, (aug as ast.AugAssign).op, sx((aug as ast.AugAssign).target)], ['AugAssign', '+', 'n']);
  assert.equal((pow as ast.AugAssign).op, '**');
  assert.equal((floordiv as ast.AugAssign).op, '//');
  assert.equal((mat as ast.AugAssign).op, '@');
  assert.deepEqual([ann.type, sx((ann as ast.AnnAssign).annotation), (ann as ast.AnnAssign).value], ['AnnAssign', 'int', null]);
  assert.equal(sx((ann2 as ast.AnnAssign).annotation), '([] list int)');
  assert.equal(sx((ann2 as ast.AnnAssign).value), '(list)');
  assert.deepEqual(chain.range, r(1, 0, 1, 9));
});

test('function definitions: all parameter kinds, annotations, defaults, returns, decorators', () => {
  const src = '@dec\n@pkg.dec(1)\ndef f(a, b: int, /, c=1, *args: str, d, e: float = 2.0, **kw) -> Tensor:\n    pass\n';
  const f = ok(src).body[0] as ast.FunctionDef;
  assert.equal(f.name, 'f');
  assert.deepEqual(f.params.map(param), ['a/', 'b/:int', 'c=1', '*args:str', 'd!', 'e!:float=2.0', '**kw']);
  assert.deepEqual(f.decorators.map(sx), ['dec', '(call (. pkg dec) 1)']);
  assert.equal(sx(f.returns), 'Tensor');
  assert.deepEqual(f.range, r(3, 0, 4, 8));
  assert.deepEqual(f.nameRange, r(3, 4, 3, 5));
  assert.deepEqual(f.params[1].range, r(3, 9, 3, 15));
  assert.deepEqual(f.params[3].range, r(3, 26, 3, 35));
  const bare = ok('def g(a, *, b, c=3): pass\n').body[0] as ast.FunctionDef;
  assert.deepEqual(bare.params.map(param), ['a', 'b!', 'c!=3']);
  const asy = ok('@d\nasync def h(): return 1\n').body[0] as ast.FunctionDef;
  assert.deepEqual([asy.isAsync, asy.decorators.length, asy.range.line, asy.range.column], [true, 1, 2, 0]);
});

test('class definitions with bases, keywords and decorators', () => {
  const c = ok('@dataclass\nclass A(B, nn.Module, metaclass=M, **kw):\n    """doc"""\n    x: int = 1\n    def f(self): ...\n').body[0] as ast.ClassDef;
  assert.deepEqual(c.bases.map(sx), ['B', '(. nn Module)']);
  assert.deepEqual(c.keywords.map((k) => `${k.arg}=${sx(k.value)}`), ['metaclass=M', 'null=kw']);
  assert.deepEqual(c.decorators.map(sx), ['dataclass']);
  assert.deepEqual(types(c.body), ['Expr', 'AnnAssign', 'FunctionDef:f']);
  const e = ok('class E: pass\n').body[0] as ast.ClassDef;
  assert.deepEqual([e.bases.length, types(e.body)], [0, ['Pass']]);
});

test('if/elif/else, for/while with else, one-line bodies', () => {
  const m = ok('if a: return_ = 1\nelif b:\n    pass\nelif c: pass\nelse:\n    x = 2\nfor i, j in z: continue\nelse: pass\nwhile n: break\nelse:\n    pass\nasync def f():\n    async for x in y: pass\n');
  const top = m.body[0] as ast.If;
  assert.equal(sx(top.test), 'a');
  assert.deepEqual(types(top.body), ['Assign']);
  const elif1 = top.orelse[0] as ast.If;
  assert.equal(sx(elif1.test), 'b');
  assert.deepEqual(elif1.range, r(2, 0, 6, 9));
  const elif2 = elif1.orelse[0] as ast.If;
  assert.deepEqual(types(elif2.orelse), ['Assign']);
  assert.deepEqual(top.range, r(1, 0, 6, 9));
  const loop = m.body[1] as ast.For;
  assert.deepEqual([sx(loop.target), sx(loop.iter), types(loop.body), types(loop.orelse), loop.isAsync], ['(tuple i j)', 'z', ['Continue'], ['Pass'], false]);
  const w = m.body[2] as ast.While;
  assert.deepEqual([sx(w.test), types(w.body), types(w.orelse)], ['n', ['Break'], ['Pass']]);
  const af = (m.body[3] as ast.FunctionDef).body[0] as ast.For;
  assert.equal(af.isAsync, true);
  assert.deepEqual(ok('for x in 1, 2: pass\n').body.map((s) => sx((s as ast.For).iter)), ['(tuple 1 2)']);
  assert.equal(sx((ok('while (n := n - 1): pass\n').body[0] as ast.While).test), '(:= n (- n 1))');
});

test('try/except/else/finally, except*, with, raise, assert, del, global, nonlocal', () => {
  const m = ok([
    'try:', '    a()', 'except ValueError as e:', '    raise RuntimeError("x") from e', 'except (A, B):', '    pass',
    'except:', '    raise', 'else:', '    b = 1', 'finally:', '    c()',
    'try:', '    pass', 'except* OSError:', '    pass',
    'with open(p) as f, lock:', '    pass',
    'with (open(a) as b, open(c) as d,):', '    pass',
    'async def g():', '    async with x as (y, z): pass',
    'assert x > 0, "positive"', 'del a[0], b.c, d', 'global g1, g2', 'def h():', '    nonlocal n',
  ].join('\n') + '\n');
  const t = m.body[0] as ast.Try;
  assert.deepEqual(t.handlers.map((h) => [sx(h.type), h.name, types(h.body)]), [
    ['ValueError', 'e', ['Raise']], ['(tuple A B)', null, ['Pass']], ['_', null, ['Raise']],
  ]);
  assert.deepEqual(t.handlers[0].range, r(3, 0, 4, 34));
  const raise = t.handlers[0].body[0] as ast.Raise;
  assert.deepEqual([sx(raise.exc), sx(raise.cause)], ['(call RuntimeError "x")', 'e']);
  assert.deepEqual([types(t.orelse), types(t.finalbody)], [['Assign'], ['Expr']]);
  assert.deepEqual(t.range, r(1, 0, 12, 7));
  assert.equal(sx((m.body[1] as ast.Try).handlers[0].type), 'OSError');
  const w = m.body[2] as ast.With;
  assert.deepEqual(w.items.map((i) => [sx(i.contextExpr), sx(i.optionalVars)]), [['(call open p)', 'f'], ['lock', '_']]);
  const w2 = m.body[3] as ast.With;
  assert.deepEqual(w2.items.map((i) => sx(i.optionalVars)), ['b', 'd']);
  const aw = (m.body[4] as ast.FunctionDef).body[0] as ast.With;
  assert.deepEqual([aw.isAsync, sx(aw.items[0].optionalVars)], [true, '(tuple y z)']);
  const as = m.body[5] as ast.Assert;
  assert.deepEqual([sx(as.test), sx(as.msg)], ['(cmp x > 0)', '"positive"']);
  assert.deepEqual((m.body[6] as ast.Delete).targets.map(sx), ['([] a 0)', '(. b c)', 'd']);
  assert.deepEqual((m.body[7] as ast.Global).names, ['g1', 'g2']);
  assert.deepEqual(((m.body[8] as ast.FunctionDef).body[0] as ast.Nonlocal).names, ['n']);
});

test('imports: dotted, aliases, relative levels, parenthesised names, star', () => {
  const m = ok('import os, torch.nn as nn\nfrom . import a\nfrom ..pkg.mod import (b as c,\n    d,)\nfrom ...x import *\nfrom torch import nn as tnn\n');
  const imp = m.body[0] as ast.Import;
  assert.deepEqual(imp.names.map((a) => [a.name, a.asname]), [['os', null], ['torch.nn', 'nn']]);
  assert.deepEqual(imp.names[1].range, r(1, 11, 1, 25));
  const f1 = m.body[1] as ast.ImportFrom;
  assert.deepEqual([f1.module, f1.level, f1.names.map((a) => a.name)], [null, 1, ['a']]);
  const f2 = m.body[2] as ast.ImportFrom;
  assert.deepEqual([f2.module, f2.level, f2.names.map((a) => [a.name, a.asname])], ['pkg.mod', 2, [['b', 'c'], ['d', null]]]);
  assert.deepEqual(f2.names[0].range, r(3, 23, 3, 29));
  assert.deepEqual(f2.range, r(3, 0, 4, 7));
  const f3 = m.body[3] as ast.ImportFrom;
  assert.deepEqual([f3.module, f3.level, f3.names[0].name], ['x', 3, '*']);
  const f4 = m.body[4] as ast.ImportFrom;
  assert.deepEqual([f4.module, f4.level, f4.names[0].asname], ['torch', 0, 'tnn']);
});

test('simple statements: pass/break/continue/return, semicolons', () => {
  const m = ok('def f():\n    a = 1; b = 2;\n    if a: return\n    return a, *b\nx = 1; pass\n');
  const f = m.body[0] as ast.FunctionDef;
  assert.deepEqual(types(f.body), ['Assign', 'Assign', 'If', 'Return']);
  assert.equal(((f.body[2] as ast.If).body[0] as ast.Return).value, null);
  assert.equal(sx((f.body[3] as ast.Return).value), '(tuple a *b)');
  assert.deepEqual(types(m.body.slice(1)), ['Assign', 'Pass']);
  assert.deepEqual(m.body[1].range, r(5, 0, 5, 5));
});

test('match and type statements become Unsupported with their whole block', () => {
  const m = ok('match command.split():\n    case [x]:\n        pass\n    case _:\n        y = 1\ntype Alias = list[int]\nmatch = 1\nmatch(x)\nz = 2\n');
  assert.deepEqual(m.body.map((s) => (s.type === 'Unsupported' ? `Unsupported:${s.keyword}` : s.type)), [
    'Unsupported:match', 'Unsupported:type', 'Assign', 'Expr', 'Assign',
  ]);
  assert.deepEqual(m.body[0].range, r(1, 0, 5, 13));
});

test('soft keywords and 3.12 syntax are tolerated', () => {
  assert.deepEqual(types(ok('def f[T](x: T) -> T: return x\nclass C[T]: pass\n_ = type\ncase = 1\n').body), ['FunctionDef:f', 'ClassDef:C', 'Assign', 'Assign']);
});

test('line ends: CRLF, CR, BOM and no final newline give the same AST', () => {
  const strip = (m: ast.Module) => JSON.stringify(m);
  const base = strip(ok(ALEXNET));
  assert.equal(strip(ok(ALEXNET.replace(/\n/g, '\r\n'))), base);
  assert.equal(strip(ok(ALEXNET.replace(/\n/g, '\r'))), base);
  assert.equal(strip(ok('\ufeff' + ALEXNET)), base);
  assert.equal(strip(ok(ALEXNET.trimEnd())), base);
  assert.deepEqual(ok('x = 1').body.map((s) => s.range), [r(1, 0, 1, 5)]);
  assert.deepEqual(ok('').body, []);
  assert.deepEqual(ok('\n\n# only a comment').comments.map((c) => c.text), [' only a comment']);
});

// ---------------------------------------------------------------- errors and recovery

test('syntax errors use CPython wording and exact positions', () => {
  assert.deepEqual(errs('x = = 1\n'), ['1:4 invalid syntax']);
  assert.deepEqual(errs('if x\n    pass\n'), ["1:4 expected ':'"]);
  assert.deepEqual(errs('x = 1\n  y = 2\n'), ['2:2 unexpected indent']);
  assert.deepEqual(errs('if x:\n    a\n  b\n'), ['3:0 unindent does not match any outer indentation level']);
  assert.deepEqual(errs('x = (1,\n'), ["1:4 '(' was never closed"]);
  assert.deepEqual(errs('def f():\nx = 1\n'), ['2:0 expected an indented block after function definition on line 1']);
  assert.deepEqual(errs('for x in y:\n\nz\n'), ["3:0 expected an indented block after 'for' statement on line 1"]);
  assert.deepEqual(errs('f() = 1\n'), ["1:0 cannot assign to function call here. Maybe you meant '==' instead of '='?"]);
  assert.deepEqual(errs('for 1 in x: pass\n'), ['1:4 cannot assign to literal']);
  assert.deepEqual(errs('a, b += 1\n'), ["1:0 'tuple' is an illegal expression for augmented assignment"]);
  assert.deepEqual(errs('f(a=1, b)\n'), ['1:7 positional argument follows keyword argument']);
  assert.deepEqual(errs('f(x for x in y, 1)\n'), ['1:2 Generator expression must be parenthesized']);
  assert.deepEqual(errs('f(a.b=1)\n'), ['1:2 expression cannot contain assignment, perhaps you meant "=="?']);
  assert.deepEqual(errs('def f(a=1, b): pass\n'), ['1:11 non-default argument follows default argument']);
  assert.deepEqual(errs('def f(*): pass\n'), ['1:7 named arguments must follow bare *']);
  assert.deepEqual(errs('x = a if b\n'), ["1:10 expected 'else' after 'if' expression"]);
  assert.deepEqual(errs('f(a b)\n'), ['1:4 invalid syntax. Perhaps you forgot a comma?']);
  assert.deepEqual(errs('print "hi"\n'), ["1:0 Missing parentheses in call to 'print'. Did you mean print(...)?"]);
  assert.deepEqual(errs('try:\n    pass\nx = 1\n'), ["3:0 expected 'except' or 'finally' block"]);
  assert.deepEqual(errs('*a\n'), ["1:0 can't use starred expression here"]);
  assert.deepEqual(errs('x = $ 1\n'), ["1:4 invalid character '$' (U+0024)"]);
  assert.deepEqual(errs('else:\n    pass\n'), ['1:0 invalid syntax']);
  assert.deepEqual(errs('from x import a,\n'), ['1:16 trailing comma not allowed without surrounding parentheses']);
});

test('recovery: parsing resumes at the next statement', () => {
  const res = parse('a = = 1\nb = 2\nc = (\nd = 3\n');
  assert.deepEqual(res.errors.map((e) => e.message), ['invalid syntax', "'(' was never closed"]);
  assert.deepEqual(res.module.body.map((s) => sx((s as ast.Assign).targets[0])), ['b', 'd']);
  const semi = parse('a = 1; b = = 2\nc = 3\n');
  assert.deepEqual(semi.module.body.map((s) => sx((s as ast.Assign).targets[0])), ['a', 'c']);
  const blk = parse('if x y:\n    a = 1\nelse:\n    b = 2\nc = 3\n');
  assert.deepEqual(blk.errors.length, 1);
  assert.deepEqual(types(blk.module.body), ['Assign']);
  const indent = parse('x = 1\n    y = 2\nz = 3\n');
  assert.deepEqual(indent.module.body.map((s) => sx((s as ast.Assign).targets[0])), ['x', 'y', 'z']);
});

test('recovery: a class whose method has a syntax error keeps its other methods', () => {
  const src = [
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc = nn.Linear(10, 2 3)',
    '        self.relu = nn.ReLU()',
    '    def broken(self) -> :',
    '        return 1',
    '    def forward(self, x):',
    '        return self.fc(x)',
    '',
  ].join('\n');
  const res = parse(src);
  assert.deepEqual(res.errors.map((e) => `${e.range.line}:${e.range.column} ${e.message}`), [
    '4:34 invalid syntax. Perhaps you forgot a comma?', '6:24 invalid syntax',
  ]);
  const cls = res.module.body[0] as ast.ClassDef;
  assert.deepEqual(types(cls.body), ['FunctionDef:__init__', 'FunctionDef:broken', 'FunctionDef:forward']);
  const init = cls.body[0] as ast.FunctionDef;
  assert.deepEqual(types(init.body), ['Expr', 'Assign']);
  assert.equal(sx((init.body[0] as ast.ExprStmt).value), '(call (. (call super) __init__))');
  assert.equal(sx((init.body[1] as ast.Assign).value), '(call (. nn ReLU))');
  assert.deepEqual(types((cls.body[1] as ast.FunctionDef).body), ['Return']);
  assert.deepEqual(types((cls.body[2] as ast.FunctionDef).body), ['Return']);
});

test('recovery: an unclosed call before the next method or assignment', () => {
  const src = 'class A(nn.Module):\n    def __init__(self):\n        self.c = nn.Conv2d(1, 2, 3\n        self.d = 1\n    def forward(self, x):\n        return x\n';
  const res = parse(src);
  assert.deepEqual(res.errors.map((e) => `${e.range.line}:${e.range.column} ${e.message}`), ["3:26 '(' was never closed"]);
  const cls = res.module.body[0] as ast.ClassDef;
  assert.deepEqual(types(cls.body), ['FunctionDef:__init__', 'FunctionDef:forward']);
  const broken = parse('class A(nn.Module:\n    def f(self): pass\n    def g(self): pass\n');
  assert.deepEqual(types((broken.module.body[0] as ast.ClassDef).body), ['FunctionDef:f', 'FunctionDef:g']);
});

test('recovery: errors inside f-string fields and unterminated strings', () => {
  const res = parse('x = f"{a b}"\ny = 1\n');
  assert.equal(res.errors.length, 1);
  assert.deepEqual(types(res.module.body), ['Assign', 'Assign']);
  const un = parse("x = 'abc\ny = 1\n");
  assert.deepEqual(un.errors.map((e) => e.message), ['unterminated string literal (detected at line 1)']);
  assert.deepEqual(types(un.module.body), ['Assign', 'Assign']);
  assert.equal(sx((un.module.body[0] as ast.Assign).value), '"abc"');
});

// ---------------------------------------------------------------- robustness and speed

let seedState = 987654321;
function rnd(n: number): number {
  seedState = (Math.imul(seedState, 1103515245) + 12345) & 0x7fffffff;
  return seedState % n;
}
const ALPHABET = '()[]{}:,.=+-*/%@&|^~<>!#\'"\\ \t\n\r\f0123456789abcxyzjJ_eE$?`;é€\ud83d\ude00\ufeff';
const SNIPPETS = ['(', ')', '[', '{', '"""', "'", 'f"{', '}', '\n', '\n    ', 'def ', 'class ', 'if ', 'lambda', '**', '\\', '#', 'await ', 'yield ', 'match x:\n', ' for x in y', '\t', 'f"{x:{y}}"', 'else:', ':=', '0x', '...'];
function mutate(src: string): string {
  const k = 1 + rnd(4);
  for (let i = 0; i < k; i++) {
    const p = rnd(src.length + 1);
    switch (rnd(5)) {
      case 0: src = src.slice(0, p) + ALPHABET[rnd(ALPHABET.length)] + src.slice(p); break;
      case 1: src = src.slice(0, p) + src.slice(p + 1 + rnd(20)); break;
      case 2: src = src.slice(0, p) + SNIPPETS[rnd(SNIPPETS.length)] + src.slice(p); break;
      case 3: { const q = rnd(src.length + 1); src = src.slice(0, p) + src.slice(Math.min(p, q), Math.max(p, q)) + src.slice(p); break; }
      default: src = src.slice(0, p) + ALPHABET[rnd(ALPHABET.length)] + src.slice(p + 1); break;
    }
  }
  return src;
}

/** Parse time in ms; a slow first run is re-timed (best of 3) so a GC pause or a busy machine is not a failure. */
function parseTime(src: string): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    parse(src);
    best = Math.min(best, performance.now() - t0);
    if (best < 50) break;
  }
  return best;
}

test('robustness: 3000 random mutations of the seed model never throw and stay fast', () => {
  for (let i = 0; i < 100; i++) parse(mutate(ALEXNET));
  let slowest = 0;
  let withErrors = 0;
  for (let i = 0; i < 3000; i++) {
    const src = mutate(ALEXNET);
    const res = parse(src);
    slowest = Math.max(slowest, parseTime(src));
    assert.equal(res.module.type, 'Module');
    if (res.errors.length > 0) withErrors++;
    for (const e of res.errors) assert.ok(e.range.line >= 1 && e.range.column >= 0 && typeof e.message === 'string');
  }
  assert.ok(slowest < 50, `slowest mutation took ${slowest.toFixed(1)} ms`);
  assert.ok(withErrors > 1000, `only ${withErrors} mutations had errors: the fuzzer is not fuzzing`);
});

test('robustness: random garbage', () => {
  for (let i = 0; i < 1000; i++) {
    let g = '';
    const len = rnd(300);
    for (let j = 0; j < len; j++) g += rnd(3) ? ALPHABET[rnd(ALPHABET.length)] : SNIPPETS[rnd(SNIPPETS.length)];
    const res = parse(g);
    assert.ok(parseTime(g) < 50, JSON.stringify(g));
    assert.ok(Array.isArray(res.module.body));
  }
});

test('robustness: deep nesting gives a syntax error, not a stack overflow', () => {
  const cases: [string, string][] = [
    ['('.repeat(5000) + 'x' + ')'.repeat(5000), 'too many nested parentheses'],
    ['x = ' + '['.repeat(100000), 'too many nested parentheses'],
    ['x = ' + '-'.repeat(50000) + '1', 'too many nested parentheses'],
    ['x = ' + 'not '.repeat(20000) + 'a', 'too many nested parentheses'],
    ['x = ' + '2 ** '.repeat(20000) + '2', 'too many nested parentheses'],
    ['x = ' + 'lambda: '.repeat(20000) + '1', 'too many nested parentheses'],
    ['x = ' + 'a if b else '.repeat(20000) + 'c', 'too many nested parentheses'],
    [Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + 'if x:').join('\n'), 'too many levels of indentation'],
    ['x = ' + 'f"{'.repeat(3000), 'unterminated string literal (detected at line 1)'],
    ['x = f"{a:' + '{b:'.repeat(3000), 'unterminated string literal (detected at line 1)'],
  ];
  for (const [src, message] of cases) {
    const res = parse(src);
    assert.ok(res.errors.some((e) => e.message === message), `${src.slice(0, 30)}: ${res.errors[0]?.message}`);
  }
  const ok200 = parse('x = ' + '('.repeat(199) + '1' + ')'.repeat(199) + '\n');
  assert.deepEqual(ok200.errors, []);
  const calls = parse('x = ' + 'f('.repeat(199) + '1' + ')'.repeat(199) + '\n');
  assert.deepEqual(calls.errors, []);
  for (const src of ['{**'.repeat(20000), '[*'.repeat(20000), 'x' + '[0'.repeat(20000), 'f(**'.repeat(20000), 'lambda x=('.repeat(20000)]) {
    assert.ok(parse(src).errors.some((e) => e.message === 'too many nested parentheses'), src.slice(0, 10));
  }
});

test('robustness: unterminated constructs and huge inputs end with CPython\'s first error, or parse whole', () => {
  // [source, CPython's first error or null, statements parsed]; a hang would be stopped by the stage's time limit
  const cases: [string, string | null, number | null][] = [
    ['"""' + 'x\n'.repeat(100000), 'unterminated triple-quoted string literal (detected at line 100001)', 1],
    ['x = (\ny = 1\n'.repeat(3000), "'(' was never closed", null],
    ['x = foo(1,\n'.repeat(3000), "'(' was never closed", null],
    [')\n'.repeat(50000), "unmatched ')'", null],
    ['x = ' + '1 + '.repeat(100000) + '1\n', null, 1],
    ['x' + '.a'.repeat(50000) + '\n', null, 1],
    ['if x:\n  pass\n' + 'elif y:\n  pass\n'.repeat(10000), null, 1],
    ['@d\n'.repeat(20000) + 'def f(): pass\n', null, 1],
  ];
  for (const [src, error, statements] of cases) {
    const res = parse(src);
    if (error === null) assert.deepEqual(res.errors, [], JSON.stringify(src.slice(0, 30)));
    else assert.equal(res.errors[0]?.message, error, JSON.stringify(src.slice(0, 30)));
    if (statements !== null) assert.equal(res.module.body.length, statements, JSON.stringify(src.slice(0, 30)));
  }
  assert.equal(parse(ALEXNET.repeat(200)).module.body.length, 600);
});

test('speed: a 500-line file parses in well under 5 ms after warm-up', () => {
  const src = ALEXNET.repeat(11).split('\n').slice(0, 500).join('\n');
  assert.equal(src.split('\n').length, 500);
  for (let i = 0; i < 200; i++) parse(src);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    parse(src);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  assert.ok(times[50] < 5, `median ${times[50].toFixed(2)} ms`);
});
