// Library code the evaluator knows, registered by qualified name (netron's python.js `registerFunction` style):
// a new library function is one registration here, apart from the interpreter's Python semantics.
import type { ArgValue, SourceRange } from './ir';
import { isPyException, namedTupleClass } from './namedtuple';
import { NONE, bool, toArg, unknown, type Value } from './values';

/** What a library function may ask of the interpreter running it. */
export interface LibraryHost {
  call(fn: Value, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value;
  /** Record an `nn.init` call (or a tensor's in-place init) on a module parameter. */
  recordInit(fn: string, target: Value, args: Record<string, ArgValue>, range: SourceRange): void;
  /** An info diagnostic, shown at the analysed file's call that reached `range`. */
  note(message: string, range: SourceRange): void;
  /** The items of an iterable value, or undefined when not iterable here. */
  iterate(v: Value, range: SourceRange): Value[] | undefined;
  /** Raises a Python exception ("ValueError: ...") at `range`, as the model's own code would. */
  raise(message: string, range: SourceRange): never;
}

export type LibraryFunction = (host: LibraryHost, args: Value[], kwargs: Map<string, Value>, range: SourceRange) => Value;

const functions = new Map<string, LibraryFunction>();

export function registerFunction(name: string, fn: LibraryFunction): void {
  functions.set(name, fn);
}

/** The registered function of a canonical qualified name ("functools.partial", "torch.nn.init.normal_"). */
export function libraryFunction(name: string): LibraryFunction | undefined {
  return functions.get(name);
}

// ---------------------------------------------------------------- Python's standard library

registerFunction('functools.partial', (_h, args, kwargs, range) => {
  if (!args[0]) return unknown('functools.partial() without a function', range);
  return { k: 'partial', fn: args[0], args: args.slice(1), kwargs: new Map(kwargs) };
});
for (const name of ['warnings.warn', 'logging.info', 'logging.warning', 'logging.debug']) registerFunction(name, () => NONE);
registerFunction('collections.namedtuple', (host, args, kwargs, range) => {
  const cls = namedTupleClass(args, kwargs, (v) => host.iterate(v, range));
  if (!cls) return unknown('collections.namedtuple() with arguments not known here', range);
  return isPyException(cls) ? host.raise(cls.error, range) : { k: 'namedtuple', cls };
});

/** `typing` aliases as isinstance() reads them: the builtin type each stands for. */
export const TYPING_ALIASES: Record<string, string[]> = {
  'typing.List': ['list'], 'typing.Tuple': ['tuple'], 'typing.Dict': ['dict'], 'typing.Set': ['set'],
  'typing.Sequence': ['list', 'tuple'], 'typing.Mapping': ['dict'], 'typing.MutableMapping': ['dict'],
  'collections.abc.Sequence': ['list', 'tuple'], 'collections.abc.Mapping': ['dict'], 'collections.abc.Iterable': ['list', 'tuple', 'dict'],
  'typing.Iterable': ['list', 'tuple', 'dict'],
};

// ---------------------------------------------------------------- the shipped torchvision's own hooks

// weights= / pretrained= of a torchvision factory: accepted, never downloaded
registerFunction('alexnet_explorer.weights_ignored', (host, args, _kw, range) => {
  const [factory, weights] = args;
  if (weights && weights.k !== 'none' && !(weights.k === 'bool' && !weights.v)) {
    const name = factory?.k === 'str' ? factory.v : 'this model';
    host.note(`${name}: the weights argument is accepted and ignored: the analysis needs only the architecture (no download); the shapes and parameter counts are the same.`, range);
  }
  return NONE;
});

// ---------------------------------------------------------------- torch.jit: the analysis runs eager Python

for (const name of ['torch.jit.is_scripting', 'torch.jit.is_tracing']) registerFunction(name, () => bool(false));
registerFunction('torch._C._get_tracing_state', () => NONE);
registerFunction('torch.jit.annotate', (_h, args) => args[1] ?? NONE);

// ---------------------------------------------------------------- torch.nn.init: recorded in call order

/** nn.init's signatures after the tensor: [name, default] (no default: required). */
const INIT_SIGNATURES: Record<string, [string, ArgValue?][]> = {
  uniform_: [['a', 0], ['b', 1]],
  normal_: [['mean', 0], ['std', 1]],
  trunc_normal_: [['mean', 0], ['std', 1], ['a', -2], ['b', 2]],
  constant_: [['val']],
  ones_: [],
  zeros_: [],
  eye_: [],
  dirac_: [['groups', 1]],
  xavier_uniform_: [['gain', 1]],
  xavier_normal_: [['gain', 1]],
  kaiming_uniform_: [['a', 0], ['mode', 'fan_in'], ['nonlinearity', 'leaky_relu']],
  kaiming_normal_: [['a', 0], ['mode', 'fan_in'], ['nonlinearity', 'leaky_relu']],
  orthogonal_: [['gain', 1]],
  sparse_: [['sparsity'], ['std', 0.01]],
};
/** The deprecated spellings without the underscore. */
const INIT_OLD_NAMES: Record<string, string> = {
  uniform: 'uniform_', normal: 'normal_', constant: 'constant_', xavier_uniform: 'xavier_uniform_', xavier_normal: 'xavier_normal_',
  kaiming_uniform: 'kaiming_uniform_', kaiming_normal: 'kaiming_normal_', orthogonal: 'orthogonal_', sparse: 'sparse_',
};

function bindInit(fn: string, args: Value[], kwargs: Map<string, Value>): Record<string, ArgValue> | string {
  const sig = INIT_SIGNATURES[fn];
  const out: Record<string, ArgValue> = {};
  for (let i = 0; i < sig.length; i++) {
    const [name, def] = sig[i];
    const v = i < args.length ? args[i] : kwargs.get(name);
    if (v === undefined) {
      if (def === undefined) return `${fn}() missing 1 required positional argument: '${name}'`;
      out[name] = def;
      continue;
    }
    const a = toArg(v);
    if (a === undefined) return `an argument of ${fn}() is unknown`;
    out[name] = a;
  }
  return out;
}

for (const fn of [...Object.keys(INIT_SIGNATURES), ...Object.keys(INIT_OLD_NAMES)]) {
  const canonicalFn = INIT_OLD_NAMES[fn] ?? fn;
  registerFunction(`torch.nn.init.${fn}`, (host, args, kwargs, range) => {
    const target = args[0] ?? kwargs.get('tensor');
    if (!target) return unknown(`nn.init.${fn}() without a tensor`, range);
    const kw = new Map(kwargs);
    kw.delete('tensor');
    const bound = bindInit(canonicalFn, args.slice(1), kw);
    if (typeof bound !== 'string') host.recordInit(canonicalFn, target, bound, range);
    return target;
  });
}
registerFunction('torch.nn.init.calculate_gain', () => unknown('nn.init.calculate_gain()'));

/** In-place tensor methods that initialise a parameter: method -> [nn.init function, its arguments in the method's order]. */
const TENSOR_INIT_METHODS: Record<string, [string, [string, ArgValue?][]]> = {
  normal_: ['normal_', [['mean', 0], ['std', 1]]],
  uniform_: ['uniform_', [['a', 0], ['b', 1]]],
  zero_: ['zeros_', []],
  fill_: ['constant_', [['val']]],
};
const METHOD_KEYWORDS: Record<string, string> = { from: 'a', to: 'b', value: 'val' };

/** `m.weight.data.normal_(0, 0.01)`: the nn.init call it amounts to, or undefined when `name` is no init method. */
export function tensorInitCall(name: string, args: Value[], kwargs: Map<string, Value>): { fn: string; args: Record<string, ArgValue> } | undefined {
  const spec = TENSOR_INIT_METHODS[name];
  if (!spec) return undefined;
  const [fn, sig] = spec;
  const kw = new Map<string, Value>();
  for (const [k, v] of kwargs) kw.set(METHOD_KEYWORDS[k] ?? k, v);
  const out: Record<string, ArgValue> = {};
  for (let i = 0; i < sig.length; i++) {
    const [argName, def] = sig[i];
    const v = i < args.length ? args[i] : kw.get(argName);
    const a = v === undefined ? def : toArg(v);
    if (a === undefined) return undefined;
    out[argName] = a;
  }
  return { fn, args: out };
}
