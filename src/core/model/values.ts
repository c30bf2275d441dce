// Runtime values of the small Python evaluator that reads model files.
import type * as ast from '../python/ast';
import type { ArgValue, Shape, SourceRange } from './ir';

export interface ClassInfo {
  name: string;
  def: ast.ClassDef;
  /** Resolved base classes (user classes or external refs). */
  bases: Value[];
  /** Class body scope: methods and class attributes. */
  scope: Scope;
}

/** An instance of nn.Module: a torch.nn layer, a container, or a user-defined model. */
export interface ModuleInstance {
  id: number;
  /** 'Conv2d', 'Sequential', 'ModuleList', 'ModuleDict', or the user class name. */
  cls: string;
  kind: 'layer' | 'container' | 'user' | 'unsupported';
  /** Bound constructor args (layers). */
  args: Record<string, ArgValue>;
  /** Parameters owned by this module itself (layers). */
  params: number;
  /** Registered submodules in order: attribute name or index -> module. */
  children: Map<string, ModuleInstance>;
  /** Plain attributes (user modules): self.x = value. */
  attrs: Map<string, Value>;
  userClass?: ClassInfo;
  /** Where it was constructed. */
  defRange: SourceRange;
  /** state_dict path, set once the tree is complete; '' for the root. */
  path: string | null;
  /** Why a layer cannot be analysed (unsupported class, unknown args, constructor error). */
  problem?: string;
}

/** A class made by collections.namedtuple: its name, fields, the defaults of its last fields, attributes set on it. */
export interface NamedTupleClass {
  name: string;
  fields: string[];
  defaults: Value[];
  attrs: Map<string, Value>;
}

export type Value =
  | { k: 'num'; v: number; int: boolean }
  | { k: 'str'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: 'none' }
  | { k: 'list'; items: Value[] }
  /** `named`: an instance of that namedtuple class (still a tuple: indexing, unpacking, len). */
  | { k: 'tuple'; items: Value[]; named?: NamedTupleClass }
  /** collections.namedtuple('Name', fields): the class. */
  | { k: 'namedtuple'; cls: NamedTupleClass }
  | { k: 'dict'; keys: Value[]; values: Value[] }
  /** `param`: the module parameter it is (`m.weight`), so that init calls on it can be recorded. */
  | { k: 'tensor'; node: string; shape: Shape | null; param?: { mod: ModuleInstance; name: string } }
  | { k: 'module'; mod: ModuleInstance }
  | { k: 'func'; def: ast.FunctionDef | ast.Lambda; closure: Scope; self?: Value; owner?: ClassInfo; decorator?: 'staticmethod' | 'classmethod' | 'property' }
  /** functools.partial(fn, *args, **kwargs). */
  | { k: 'partial'; fn: Value; args: Value[]; kwargs: Map<string, Value> }
  | { k: 'class'; cls: ClassInfo }
  /** An instance of a user class that is no nn.Module (a config record: MobileNetV3's InvertedResidualConfig). */
  | { k: 'object'; cls: ClassInfo; attrs: Map<string, Value> }
  /** A name from outside the file: 'torch.nn.Conv2d', 'torch.nn.functional.relu', 'numpy'. */
  | { k: 'ref'; name: string }
  /** A module of the model's own package (an imported .py file): its globals. */
  | { k: 'namespace'; name: string; scope: Scope; file: string }
  /** A bound method of a value the evaluator knows natively (list.append, tensor.view, module.modules). */
  | { k: 'method'; self: Value; name: string }
  | { k: 'builtin'; name: string }
  | { k: 'super'; self: Value; cls: ClassInfo | null }
  /** Something the evaluator cannot know; `why` names the construct, `range` where it came from. */
  | { k: 'unknown'; why: string; range?: SourceRange };

export class Scope {
  readonly vars = new Map<string, Value>();
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): Value | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  set(name: string, v: Value): void {
    this.vars.set(name, v);
  }
}

export const NONE: Value = { k: 'none' };
export const num = (v: number, int = Number.isInteger(v)): Value => ({ k: 'num', v, int });
export const str = (v: string): Value => ({ k: 'str', v });
export const bool = (v: boolean): Value => ({ k: 'bool', v });
export const unknown = (why: string, range?: SourceRange): Value => ({ k: 'unknown', why, range });

/** Convert to a constant argument, or undefined when it is not a constant. */
export function toArg(v: Value): ArgValue | undefined {
  switch (v.k) {
    case 'num': return v.v;
    case 'str': return v.v;
    case 'bool': return v.v;
    case 'none': return null;
    case 'list':
    case 'tuple': {
      const out: ArgValue[] = [];
      for (const it of v.items) {
        const a = toArg(it);
        if (a === undefined) return undefined;
        out.push(a);
      }
      return out;
    }
    default: return undefined;
  }
}

export function fromArg(a: ArgValue): Value {
  if (a === null) return NONE;
  if (typeof a === 'number') return num(a);
  if (typeof a === 'string') return str(a);
  if (typeof a === 'boolean') return bool(a);
  return { k: 'tuple', items: a.map(fromArg) };
}

export function typeName(v: Value): string {
  switch (v.k) {
    case 'num': return v.int ? 'int' : 'float';
    case 'str': return 'str';
    case 'bool': return 'bool';
    case 'none': return 'NoneType';
    case 'list': return 'list';
    case 'tuple': return v.named?.name ?? 'tuple';
    case 'namedtuple': return 'type';
    case 'dict': return 'dict';
    case 'tensor': return 'Tensor';
    case 'module': return v.mod.cls;
    case 'func': return 'function';
    case 'partial': return 'functools.partial';
    case 'class': return 'type';
    case 'object': return v.cls.name;
    case 'ref': return v.name;
    case 'namespace': return 'module';
    case 'method': return 'method';
    case 'builtin': return 'builtin_function_or_method';
    case 'super': return 'super';
    case 'unknown': return 'unknown';
  }
}

export function truthy(v: Value): boolean | undefined {
  switch (v.k) {
    case 'num': return v.v !== 0;
    case 'str': return v.v.length > 0;
    case 'bool': return v.v;
    case 'none': return false;
    case 'list':
    case 'tuple': return v.items.length > 0;
    case 'dict': return v.keys.length > 0;
    case 'unknown': return undefined;
    default: return true;
  }
}

export function valueEquals(a: Value, b: Value): boolean | undefined {
  if (a.k === 'unknown' || b.k === 'unknown') return undefined;
  if ((a.k === 'num' || a.k === 'bool') && (b.k === 'num' || b.k === 'bool')) return Number(a.v) === Number(b.v);
  if (a.k === 'str' && b.k === 'str') return a.v === b.v;
  if (a.k === 'none' || b.k === 'none') return a.k === b.k;
  if ((a.k === 'list' || a.k === 'tuple') && a.k === b.k) {
    if (a.items.length !== (b as typeof a).items.length) return false;
    for (let i = 0; i < a.items.length; i++) {
      const e = valueEquals(a.items[i], (b as typeof a).items[i]);
      if (e !== true) return e;
    }
    return true;
  }
  if (a.k === 'module' && b.k === 'module') return a.mod === b.mod;
  if (a.k === 'class' && b.k === 'class') return a.cls === b.cls;
  if (a.k === 'namedtuple' && b.k === 'namedtuple') return a.cls === b.cls;
  if (a.k === 'object' && b.k === 'object') return a === b ? true : undefined;
  if (a.k === 'ref' && b.k === 'ref') return a.name === b.name;
  return a.k === b.k ? undefined : false;
}
