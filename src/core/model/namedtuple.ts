// collections.namedtuple as model files use it: torchvision's GoogLeNetOutputs(logits, aux_logits2, aux_logits1) and
// InceptionOutputs, records of settings. The class is a value of its own; an instance is a tuple that knows its class
// (indexing, unpacking, len and comparisons stay a tuple's), with its fields by name, `_fields`, `_asdict()`,
// `_replace()` and `_make()`. Errors are CPython 3.11's.
import { bindArgs } from '../ops/bind';
import type { ShapeRule } from '../ops/types';
import { NONE, str, typeName, type NamedTupleClass, type Value } from './values';

/** A Python exception: its type and message as CPython prints them. */
export interface PyException {
  error: string;
}

export function isPyException(v: unknown): v is PyException {
  return typeof v === 'object' && v !== null && typeof (v as PyException).error === 'string' && !('k' in v);
}

const KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield']);

const isIdentifier = (s: string): boolean => /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(s);
const repr = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

type Iterate = (v: Value) => Value[] | undefined;

/**
 * collections.namedtuple(typename, field_names, *, rename=False, defaults=None, module=None): the class, CPython's
 * exception, or undefined when an argument is not known here.
 */
export function namedTupleClass(args: Value[], kwargs: Map<string, Value>, iterate: Iterate): NamedTupleClass | PyException | undefined {
  const typename = args[0] ?? kwargs.get('typename');
  const spec = args[1] ?? kwargs.get('field_names');
  if (!typename || !spec) return { error: `TypeError: namedtuple() missing 1 required positional argument: '${typename ? 'field_names' : 'typename'}'` };
  if (typename.k !== 'str') return undefined;
  let fields: string[];
  if (spec.k === 'str') {
    fields = spec.v.replace(/,/g, ' ').split(/\s+/).filter(Boolean);
  } else {
    const items = iterate(spec);
    if (!items) return spec.k === 'num' || spec.k === 'bool' || spec.k === 'none' ? { error: `TypeError: '${typeName(spec)}' object is not iterable` } : undefined;
    if (items.some((x) => x.k !== 'str')) return undefined;
    fields = items.map((x) => (x as { v: string }).v);
  }
  const rename = kwargs.get('rename');
  if (rename && rename.k === 'bool' && rename.v) {
    const seen = new Set<string>();
    fields = fields.map((name, i) => {
      const bad = !isIdentifier(name) || KEYWORDS.has(name) || name.startsWith('_') || seen.has(name);
      seen.add(name);
      return bad ? `_${i}` : name;
    });
  }
  for (const name of [typename.v, ...fields]) {
    if (!isIdentifier(name)) return { error: `ValueError: Type names and field names must be valid identifiers: ${repr(name)}` };
    if (KEYWORDS.has(name)) return { error: `ValueError: Type names and field names cannot be a keyword: ${repr(name)}` };
  }
  const seen = new Set<string>();
  for (const name of fields) {
    if (name.startsWith('_') && !(rename?.k === 'bool' && rename.v)) return { error: `ValueError: Field names cannot start with an underscore: ${repr(name)}` };
    if (seen.has(name)) return { error: `ValueError: Encountered duplicate field name: ${repr(name)}` };
    seen.add(name);
  }
  let defaults: Value[] = [];
  const given = kwargs.get('defaults');
  if (given && given.k !== 'none') {
    const items = iterate(given);
    if (!items) return undefined;
    if (items.length > fields.length) return { error: 'TypeError: Got more default values than field names' };
    defaults = items;
  }
  return { name: typename.v, fields, defaults, attrs: new Map() };
}

/** Name(*args, **kwargs): an instance, or the TypeError of its __new__ (CPython's binding, the class counted as _cls). */
export function constructNamed(cls: NamedTupleClass, args: Value[], kwargs: Map<string, Value>): Value | PyException {
  const firstDefault = cls.fields.length - cls.defaults.length;
  // bind positions, not values: a default is -1 - its index, a given argument its index in `all`
  const rule: ShapeRule = {
    op: cls.name,
    kind: 'module',
    pyName: `${cls.name}.__new__`,
    signature: cls.fields.map((name, i) => (i >= firstDefault ? { name, default: -1 - (i - firstDefault) } : { name })),
    infer: () => ({ error: 'not a shape rule' }),
  };
  const keys = [...kwargs.keys()];
  const bound = bindArgs(rule, args.map((_, i) => i), Object.fromEntries(keys.map((k, j) => [k, args.length + j])), cls.name);
  if ('error' in bound) return { error: `TypeError: ${bound.error}` };
  const all = [...args, ...kwargs.values()];
  const items = cls.fields.map((f) => {
    const at = bound.args[f] as number;
    return at >= 0 ? all[at] : cls.defaults[-1 - at];
  });
  return { k: 'tuple', items, named: cls };
}

const fieldsTuple = (cls: NamedTupleClass): Value => ({ k: 'tuple', items: cls.fields.map(str) });

function fieldDefaults(cls: NamedTupleClass): Value {
  const keys = cls.fields.slice(cls.fields.length - cls.defaults.length).map(str);
  return { k: 'dict', keys, values: cls.defaults.slice() };
}

/** Methods of an instance (and _make of the class) the evaluator runs. */
const INSTANCE_METHODS = new Set(['_asdict', '_replace', 'count', 'index']);

/** `instance.attr`: a field, `_fields`, a method (as a bound method value), an attribute set on the class, or AttributeError. */
export function namedAttr(self: Extract<Value, { k: 'tuple' }>, cls: NamedTupleClass, attr: string): Value | PyException {
  const i = cls.fields.indexOf(attr);
  if (i >= 0) return self.items[i];
  if (attr === '_fields') return fieldsTuple(cls);
  if (attr === '_field_defaults') return fieldDefaults(cls);
  if (INSTANCE_METHODS.has(attr) || attr === '_make') return { k: 'method', self, name: attr };
  const own = cls.attrs.get(attr);
  if (own !== undefined) return own;
  return { error: `AttributeError: '${cls.name}' object has no attribute '${attr}'` };
}

/** `Name.attr` of the class itself. */
export function namedClassAttr(self: Extract<Value, { k: 'namedtuple' }>, attr: string): Value | PyException | undefined {
  const { cls } = self;
  if (attr === '_fields') return fieldsTuple(cls);
  if (attr === '_field_defaults') return fieldDefaults(cls);
  if (attr === '__name__' || attr === '__qualname__') return str(cls.name);
  if (attr === '_make') return { k: 'method', self, name: attr };
  const own = cls.attrs.get(attr);
  if (own !== undefined) return own;
  // a field of the class is a property descriptor, nothing a model reads
  if (cls.fields.includes(attr)) return undefined;
  return { error: `AttributeError: type object '${cls.name}' has no attribute '${attr}'` };
}

/** A method call on an instance (`p._replace(x=1)`) or `Name._make(iterable)`; undefined when not known here. */
export function namedMethod(self: Value, name: string, args: Value[], kwargs: Map<string, Value>, iterate: Iterate, equals: (a: Value, b: Value) => boolean | undefined): Value | PyException | undefined {
  const cls = self.k === 'namedtuple' ? self.cls : self.k === 'tuple' ? self.named : undefined;
  if (!cls) return undefined;
  if (name === '_make') {
    const items = args[0] ? iterate(args[0]) : undefined;
    if (!items) return undefined;
    if (items.length !== cls.fields.length) return { error: `TypeError: Expected ${cls.fields.length} arguments, got ${items.length}` };
    return { k: 'tuple', items, named: cls };
  }
  if (self.k !== 'tuple') return undefined;
  switch (name) {
    case '_asdict':
      return { k: 'dict', keys: cls.fields.map(str), values: self.items.slice() };
    case '_replace': {
      const unknownFields = [...kwargs.keys()].filter((k) => !cls.fields.includes(k));
      if (unknownFields.length > 0) return { error: `ValueError: Got unexpected field names: [${unknownFields.map(repr).join(', ')}]` };
      return { k: 'tuple', items: cls.fields.map((f, i) => kwargs.get(f) ?? self.items[i]), named: cls };
    }
    case 'count':
    case 'index': {
      const target = args[0] ?? NONE;
      const hits = self.items.map((x) => equals(x, target));
      if (hits.some((h) => h === undefined)) return undefined;
      if (name === 'count') return { k: 'num', v: hits.filter(Boolean).length, int: true };
      const at = hits.indexOf(true);
      return at >= 0 ? { k: 'num', v: at, int: true } : { error: 'ValueError: tuple.index(x): x not in tuple' };
    }
    default:
      return undefined;
  }
}
