// Reads a PyTorch training script written in the usual style (transforms, datasets.ImageFolder or FashionMNIST,
// DataLoader, an optimizer, `for epoch in range(N)` around a loop that calls loss.backward() and optimizer.step(),
// torch.save) into the settings the Train panel runs; and a predict script (Image.open, torch.load) into what Classify
// needs. It walks the AST of the same front end that reads models; a setting it cannot read is a diagnostic on its
// line, never a guess. PyTorch's own defaults apply where the script leaves an argument out.
import { parse } from '../python';
import type * as ast from '../python/ast';
import type { SourceRange } from '../types';

export type OptimizerKind = 'adam' | 'sgd';

/** The settings a training script gives, as its text says them (paths as written, relative to where it runs). */
export interface TrainingScript {
  /** The model: `file` is the module that defines its class as a path beside the script ('model.py'), null for the script itself. */
  model: { file: string | null; className: string; entry: string };
  dataset: { kind: 'imagefolder' | 'idx'; folder: string };
  /** [C, H, W] of one sample after the transforms. */
  inputSize: [number, number, number];
  batch: number;
  epochs: number;
  optimizer: { kind: OptimizerKind; lr: number; momentum: number; weightDecay: number; betas: [number, number]; nesterov: boolean };
  seed?: number;
  shuffle: boolean;
  /** RandomResizedCrop / RandomHorizontalFlip among the transforms. */
  augment: boolean;
  normalize?: { mean: number[]; std: number[] };
  /** Where torch.save writes the state_dict, as written. */
  save?: string;
}

/** A predict script: the image it classifies, the weights it loads, the labels file it reads, the model it builds. */
export interface PredictScript {
  image: string;
  weights: string;
  labels?: string;
  model: { file: string | null; className: string; entry: string };
}

export interface ScriptDiagnostic {
  message: string;
  range: SourceRange;
}

export type ScriptReading =
  | { kind: 'train'; range: SourceRange; settings: TrainingScript | null; diagnostics: ScriptDiagnostic[] }
  | { kind: 'predict'; range: SourceRange; settings: PredictScript | null; diagnostics: ScriptDiagnostic[] }
  | { kind: 'none' };

type Val = number | string | boolean | null | Val[] | { dict: Map<string, ast.Expr> };

class Unreadable extends Error {
  constructor(message: string, readonly range: SourceRange) {
    super(message);
  }
}

const FASHION_MNIST_SIZE = 28;

/** Reads the training loop or the prediction of a script; 'none' when it has neither (no lens, no diagnostics). */
export function readScript(source: string): ScriptReading {
  const { module } = parse(source);
  const r = new Reader(module, source);
  const loop = r.findTrainingLoop();
  if (loop) return r.readTraining(loop);
  const predict = r.findPredict();
  if (predict) return r.readPredict(predict);
  return { kind: 'none' };
}

interface TrainingLoop {
  /** `for epoch in range(N)`, or null when the loop over the loader is the outermost. */
  epochs: ast.For | null;
  batches: ast.For;
  step: ast.Call;
}

class Reader {
  /** Every `name = value` of the file (functions included), in source order. */
  private readonly assigns: { name: string; value: ast.Expr; line: number }[] = [];
  private readonly imports = new Map<string, { module: string; level: number; name: string | null }>();
  private readonly classes = new Set<string>();
  private readonly all: ast.Stmt[] = [];

  constructor(private readonly module: ast.Module, private readonly source: string) {
    this.collect(module.body);
  }

  private collect(body: ast.Stmt[]): void {
    for (const s of body) {
      this.all.push(s);
      if (s.type === 'Assign') {
        for (const t of s.targets) this.bind(t, s.value, s.range.line);
      } else if (s.type === 'AnnAssign' && s.value) {
        this.bind(s.target, s.value, s.range.line);
      } else if (s.type === 'ImportFrom' && s.module !== null) {
        for (const a of s.names) this.imports.set(a.asname ?? a.name, { module: s.module, level: s.level, name: a.name });
      } else if (s.type === 'Import') {
        for (const a of s.names) this.imports.set(a.asname ?? a.name.split('.')[0]!, { module: a.asname ? a.name : a.name.split('.')[0]!, level: 0, name: null });
      } else if (s.type === 'ClassDef') {
        this.classes.add(s.name);
        continue;
      }
      if (s.type === 'FunctionDef' || s.type === 'For' || s.type === 'While' || s.type === 'With' || s.type === 'If') this.collect(s.body);
      if (s.type === 'If' || s.type === 'For' || s.type === 'While') this.collect(s.orelse);
      if (s.type === 'Try') { this.collect(s.body); for (const h of s.handlers) this.collect(h.body); this.collect(s.orelse); this.collect(s.finalbody); }
    }
  }

  private bind(target: ast.Expr, value: ast.Expr, line: number): void {
    if (target.type === 'Name') this.assigns.push({ name: target.id, value, line });
    else if ((target.type === 'Tuple' || target.type === 'List') && (value.type === 'Tuple' || value.type === 'List') && value.elts.length === target.elts.length) {
      target.elts.forEach((t, i) => this.bind(t, value.elts[i]!, line));
    }
  }

  /** What a name holds where it is used: its last assignment before that line (else the last one of the file). */
  private lookup(name: string, at: SourceRange): ast.Expr | undefined {
    const before = this.assigns.filter((a) => a.name === name && a.line < at.line);
    const found = before[before.length - 1] ?? this.assigns.filter((a) => a.name === name).pop();
    return found?.value;
  }

  /** Follows names to the expression they were assigned (a few levels). */
  private resolve(e: ast.Expr): ast.Expr {
    for (let i = 0; i < 20 && e.type === 'Name'; i++) {
      const v = this.lookup(e.id, e.range);
      if (!v) break;
      e = v;
    }
    return e;
  }

  private text(r: SourceRange): string {
    const lines = this.source.split('\n');
    if (r.line === r.endLine) return (lines[r.line - 1] ?? '').slice(r.column, r.endColumn);
    return [(lines[r.line - 1] ?? '').slice(r.column), ...lines.slice(r.line, r.endLine - 1), (lines[r.endLine - 1] ?? '').slice(0, r.endColumn)].join('\n');
  }

  // ---------------------------------------------------------------- constants

  /** A constant the text states: literals, names assigned one, arithmetic, os.path.join, a dict entry. */
  value(e: ast.Expr, what: string): Val {
    const at = e;
    e = this.resolve(e);
    switch (e.type) {
      case 'Constant':
        if (e.kind === 'int' || e.kind === 'float' || e.kind === 'str' || e.kind === 'bool' || e.kind === 'None') return e.value;
        break;
      case 'Tuple':
      case 'List':
        return e.elts.map((x) => this.value(x, what));
      case 'Dict': {
        const m = new Map<string, ast.Expr>();
        e.keys.forEach((k, i) => { if (k && k.type === 'Constant' && typeof k.value === 'string') m.set(k.value, e.values[i]!); });
        return { dict: m };
      }
      case 'UnaryOp': {
        const v = this.value(e.operand, what);
        if (typeof v === 'number' && (e.op === '-' || e.op === '+')) return e.op === '-' ? -v : v;
        break;
      }
      case 'BinOp': {
        const a = this.value(e.left, what);
        const b = this.value(e.right, what);
        if (typeof a === 'number' && typeof b === 'number') {
          switch (e.op) {
            case '+': return a + b;
            case '-': return a - b;
            case '*': return a * b;
            case '/': return a / b;
            case '//': return Math.floor(a / b);
            case '**': return a ** b;
          }
        }
        if (typeof a === 'string' && typeof b === 'string' && e.op === '+') return a + b;
        break;
      }
      case 'Subscript': {
        const container = this.value(e.value, what);
        const key = this.value(e.slice, what);
        if (container && typeof container === 'object' && 'dict' in container && typeof key === 'string') {
          const item = container.dict.get(key);
          if (item) return this.value(item, what);
        }
        break;
      }
      case 'Call':
        if (this.dotted(e.func) === 'os.path.join') {
          const parts = e.args.map((a) => this.value(a, what));
          if (parts.every((p) => typeof p === 'string')) return joinPath(parts as string[]);
        }
        break;
    }
    const shown = this.text(at.range).trim();
    const via = at !== e ? ` (${shown} = ${this.text(e.range).trim()})` : '';
    throw new Unreadable(`The ${what} '${shown}'${via} is not a constant that can be read without running the script: write it as a literal (or a name assigned one) to run it in the editor.`, at.range);
  }

  private num(e: ast.Expr, what: string): number {
    const v = this.value(e, what);
    if (typeof v !== 'number') throw new Unreadable(`The ${what} should be a number, got '${this.text(e.range).trim()}'.`, e.range);
    return v;
  }

  private str(e: ast.Expr, what: string): string {
    const v = this.value(e, what);
    if (typeof v !== 'string') throw new Unreadable(`The ${what} should be a string path, got '${this.text(e.range).trim()}'.`, e.range);
    return v;
  }

  /** `torch.optim.Adam` -> 'torch.optim.Adam'; anything but names and attributes -> ''. */
  private dotted(e: ast.Expr): string {
    if (e.type === 'Name') return e.id;
    if (e.type === 'Attribute') {
      const base = this.dotted(e.value);
      return base ? `${base}.${e.attr}` : '';
    }
    return '';
  }

  /** The last part of a call's callee: `datasets.ImageFolder(...)` -> 'ImageFolder'. */
  private callee(e: ast.Expr): string | null {
    if (e.type !== 'Call') return null;
    const d = this.dotted(e.func);
    return d ? d.slice(d.lastIndexOf('.') + 1) : null;
  }

  // ---------------------------------------------------------------- finding the loop

  private walk(body: ast.Stmt[], visit: (s: ast.Stmt, parents: ast.Stmt[]) => void, parents: ast.Stmt[] = []): void {
    for (const s of body) {
      visit(s, parents);
      const inner = [...parents, s];
      if (s.type === 'FunctionDef' || s.type === 'For' || s.type === 'While' || s.type === 'With' || s.type === 'If') this.walk(s.body, visit, inner);
      if (s.type === 'If' || s.type === 'For' || s.type === 'While') this.walk(s.orelse, visit, inner);
      if (s.type === 'Try') { this.walk(s.body, visit, inner); for (const h of s.handlers) this.walk(h.body, visit, inner); this.walk(s.finalbody, visit, inner); }
    }
  }

  private calls(body: ast.Stmt[]): ast.Call[] {
    const out: ast.Call[] = [];
    const visitExpr = (e: unknown): void => {
      if (!e || typeof e !== 'object') return;
      if (Array.isArray(e)) { for (const x of e) visitExpr(x); return; }
      const n = e as { type?: string };
      if (n.type === 'Call') out.push(n as ast.Call);
      for (const [k, v] of Object.entries(n)) if (k !== 'range' && k !== 'body' && k !== 'orelse') visitExpr(v);
    };
    this.walk(body, (s) => visitExpr(s));
    return out;
  }

  findTrainingLoop(): TrainingLoop | null {
    let found: TrainingLoop | null = null;
    this.walk(this.module.body, (s, parents) => {
      if (found || s.type !== 'For') return;
      const calls = this.calls(s.body);
      const backward = calls.some((c) => c.func.type === 'Attribute' && c.func.attr === 'backward');
      const step = calls.find((c) => c.func.type === 'Attribute' && c.func.attr === 'step' && c.args.length === 0);
      if (!backward || !step) return;
      // the innermost loop holding both is the loop over batches; a `for` around it is the epochs loop
      const inner = this.innermostFor(s.body) ?? s;
      const outer = inner === s ? [...parents].reverse().find((p): p is ast.For => p.type === 'For') ?? null : s;
      found = { epochs: outer, batches: inner, step };
    });
    return found;
  }

  private innermostFor(body: ast.Stmt[]): ast.For | null {
    let best: ast.For | null = null;
    this.walk(body, (s) => {
      if (s.type !== 'For') return;
      const calls = this.calls(s.body);
      if (calls.some((c) => c.func.type === 'Attribute' && c.func.attr === 'backward') && calls.some((c) => c.func.type === 'Attribute' && c.func.attr === 'step')) best = s;
    });
    return best;
  }

  // ---------------------------------------------------------------- training

  readTraining(loop: TrainingLoop): ScriptReading {
    const diagnostics: ScriptDiagnostic[] = [];
    const attempt = <T>(fn: () => T): T | undefined => collecting(diagnostics, fn);
    const range = (loop.epochs ?? loop.batches).range;
    const epochs = attempt(() => this.readEpochs(loop.epochs));
    const loader = attempt(() => this.findLoader(loop.batches));
    const batch = loader && attempt(() => this.readBatch(loader));
    const shuffle = loader && attempt(() => this.readShuffle(loader));
    const data = loader && attempt(() => this.readDataset(loader));
    const optimizer = attempt(() => this.findOptimizer(loop.step));
    const optim = optimizer && attempt(() => this.readOptimizer(optimizer.call, optimizer.kind));
    const model = optimizer && attempt(() => this.readModel(optimizer.params));
    const seed = attempt(() => this.readSeed());
    const save = attempt(() => this.readSave());
    const settings: TrainingScript | null = epochs !== undefined && batch !== undefined && shuffle !== undefined && data && optim && model
      ? {
        model, dataset: data.dataset, inputSize: data.inputSize, batch, epochs, optimizer: optim,
        ...(seed !== undefined ? { seed } : {}), shuffle, augment: data.augment,
        ...(data.normalize ? { normalize: data.normalize } : {}), ...(save ? { save } : {}),
      }
      : null;
    return { kind: 'train', range, settings: diagnostics.length ? null : settings, diagnostics };
  }

  private readEpochs(loop: ast.For | null): number {
    if (!loop) return 1;
    const it = loop.iter;
    if (it.type === 'Call' && this.dotted(it.func) === 'range' && it.args.length >= 1 && it.args.length <= 2 && !it.keywords.length) {
      const nums = it.args.map((a) => this.num(a, 'number of epochs'));
      const n = nums.length === 1 ? nums[0]! : nums[1]! - nums[0]!;
      if (!Number.isInteger(n) || n < 1) throw new Unreadable(`The epochs loop runs ${n} times: it should run at least once.`, it.range);
      return n;
    }
    throw new Unreadable(`The epochs loop should be 'for epoch in range(N)' with N a number, not '${this.text(it.range).trim()}'.`, it.range);
  }

  private arg(call: ast.Call, index: number, name: string): ast.Expr | undefined {
    return call.keywords.find((k) => k.arg === name)?.value ?? (index >= 0 ? call.args[index] : undefined);
  }

  private findLoader(batches: ast.For): ast.Call {
    let it = batches.iter;
    // enumerate(loader), tqdm(loader), enumerate(tqdm(loader), 0)
    for (let i = 0; i < 3 && it.type === 'Call' && /^(enumerate|tqdm|iter)$/.test(this.callee(it) ?? '') && it.args[0]; i++) it = it.args[0];
    const call = this.resolve(it);
    if (call.type !== 'Call' || this.callee(call) !== 'DataLoader') {
      throw new Unreadable(`The training loop goes over '${this.text(it.range).trim()}', which is not a DataLoader(...) of this script.`, it.range);
    }
    return call;
  }

  private readBatch(loader: ast.Call): number {
    const arg = this.arg(loader, 1, 'batch_size');
    // PyTorch's default: batch_size=1
    const batch = arg ? this.num(arg, 'batch size') : 1;
    if (!Number.isInteger(batch) || batch < 1) throw new Unreadable(`batch_size should be a positive integer value, but got batch_size=${batch}`, arg!.range);
    return batch;
  }

  private readShuffle(loader: ast.Call): boolean {
    const arg = this.arg(loader, 2, 'shuffle');
    // PyTorch's default: shuffle=False
    const shuffle = arg ? this.value(arg, 'shuffle flag') : false;
    if (typeof shuffle !== 'boolean' && shuffle !== null) throw new Unreadable(`shuffle should be True or False, got '${this.text(arg!.range)}'.`, arg!.range);
    return shuffle === true;
  }

  private readDataset(loader: ast.Call): { dataset: TrainingScript['dataset']; inputSize: [number, number, number]; augment: boolean; normalize?: { mean: number[]; std: number[] } } {
    const expr = this.arg(loader, 0, 'dataset');
    if (!expr) throw new Unreadable("DataLoader.__init__() missing 1 required positional argument: 'dataset'", loader.range);
    const call = this.resolve(expr);
    const kind = this.callee(call);
    if (call.type !== 'Call' || (kind !== 'ImageFolder' && kind !== 'FashionMNIST')) {
      throw new Unreadable(`The dataset '${this.text(expr.range).trim()}' is not one the editor can run: use datasets.ImageFolder(root=...) or datasets.FashionMNIST(root=...).`, expr.range);
    }
    const rootArg = this.arg(call, 0, 'root');
    if (!rootArg) throw new Unreadable(`${kind}.__init__() missing 1 required positional argument: 'root'`, call.range);
    const root = this.str(rootArg, 'dataset folder');
    const transformArg = kind === 'ImageFolder' ? this.arg(call, 1, 'transform') : this.arg(call, 2, 'transform');
    if (kind === 'FashionMNIST') {
      const trainArg = this.arg(call, 1, 'train');
      if (trainArg && this.value(trainArg, 'train flag') !== true) throw new Unreadable('The training loop reads the test split (train=False): the Train panel trains on the training split.', trainArg.range);
    }
    const t = this.readTransforms(transformArg, call);
    const channels = t.channels ?? (kind === 'ImageFolder' ? 3 : 1);
    let size = t.size;
    if (!size) {
      if (kind === 'ImageFolder') throw new Unreadable('The transforms give no fixed image size (no Resize((H, W)), CenterCrop or RandomResizedCrop): images of different sizes cannot be batched.', (transformArg ?? call).range);
      size = [FASHION_MNIST_SIZE, FASHION_MNIST_SIZE];
    }
    if (t.resizeInt && kind === 'ImageFolder' && !t.cropAfter) {
      throw new Unreadable(`Resize(${t.resizeInt.size}) keeps each image's aspect ratio, so the size of the batches depends on the images: write Resize((${t.resizeInt.size}, ${t.resizeInt.size})) or add a CenterCrop.`, t.resizeInt.range);
    }
    return {
      dataset: kind === 'ImageFolder' ? { kind: 'imagefolder', folder: root } : { kind: 'idx', folder: joinPath([root, 'FashionMNIST', 'raw']) },
      inputSize: [channels, size[0], size[1]],
      augment: t.augment,
      ...(t.normalize ? { normalize: t.normalize } : {}),
    };
  }

  private readTransforms(arg: ast.Expr | undefined, dataset: ast.Call): { size?: [number, number]; channels?: number; augment: boolean; normalize?: { mean: number[]; std: number[] }; resizeInt?: { size: number; range: SourceRange }; cropAfter: boolean } {
    if (!arg) throw new Unreadable('The dataset has no transform: the DataLoader cannot batch PIL images; add transforms.ToTensor().', dataset.range);
    let e = this.resolve(arg);
    // data_transform["train"]
    if (e.type === 'Subscript') {
      const container = this.resolve(e.value);
      const key = this.value(e.slice, 'transform key');
      if (container.type === 'Dict' && typeof key === 'string') {
        const i = container.keys.findIndex((k) => k?.type === 'Constant' && k.value === key);
        if (i >= 0) e = this.resolve(container.values[i]!);
      }
    }
    const steps = this.callee(e) === 'Compose' && e.type === 'Call' && e.args[0] ? this.resolve(e.args[0]) : e;
    const list = steps.type === 'List' || steps.type === 'Tuple' ? steps.elts : [steps];
    const out: ReturnType<Reader['readTransforms']> = { augment: false, cropAfter: false };
    let toTensor = false;
    for (const item of list) {
      const step = this.resolve(item);
      const name = step.type === 'Call' ? this.callee(step) : null;
      if (step.type !== 'Call' || !name) throw new Unreadable(`The transform '${this.text(item.range).trim()}' is not read: use the torchvision.transforms classes.`, item.range);
      const sizeOf = (a: ast.Expr | undefined): [number, number] => {
        if (!a) throw new Unreadable(`${name}() needs a size.`, step.range);
        const v = this.value(a, `${name} size`);
        if (typeof v === 'number') return [v, v];
        if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
        if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
        throw new Unreadable(`The ${name} size should be a number or (height, width), got '${this.text(a.range).trim()}'.`, a.range);
      };
      switch (name) {
        case 'Resize': {
          const a = this.arg(step, 0, 'size');
          out.size = sizeOf(a);
          const v = a ? this.value(a, 'Resize size') : null;
          out.resizeInt = typeof v === 'number' ? { size: v, range: step.range } : undefined;
          out.cropAfter = false;
          break;
        }
        case 'CenterCrop':
          out.size = sizeOf(this.arg(step, 0, 'size'));
          out.cropAfter = true;
          break;
        case 'RandomResizedCrop':
          out.size = sizeOf(this.arg(step, 0, 'size'));
          out.cropAfter = true;
          out.augment = true;
          break;
        case 'RandomHorizontalFlip':
          out.augment = true;
          break;
        case 'Grayscale': {
          const a = this.arg(step, 0, 'num_output_channels');
          out.channels = a ? this.num(a, 'number of channels') : 1;
          break;
        }
        case 'ToTensor':
          toTensor = true;
          break;
        case 'Normalize': {
          const mean = this.value(this.arg(step, 0, 'mean') ?? step, 'Normalize mean');
          const std = this.value(this.arg(step, 1, 'std') ?? step, 'Normalize std');
          const nums = (v: Val) => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v as number[] : typeof v === 'number' ? [v] : null);
          const m = nums(mean);
          const s = nums(std);
          if (!m || !s) throw new Unreadable('Normalize(mean, std) should be given numbers.', step.range);
          out.normalize = { mean: m, std: s };
          break;
        }
        default:
          throw new Unreadable(`The transform ${name} is not one the editor runs (it reads Resize, CenterCrop, RandomResizedCrop, RandomHorizontalFlip, Grayscale, ToTensor, Normalize).`, step.range);
      }
    }
    if (!toTensor) throw new Unreadable('The transforms have no ToTensor(): the DataLoader cannot batch PIL images.', arg.range);
    return out;
  }

  private findOptimizer(step: ast.Call): { call: ast.Call; kind: string; params: ast.Expr } {
    const receiver = step.func.type === 'Attribute' ? step.func.value : step.func;
    const call = this.resolve(receiver);
    const kind = this.callee(call);
    if (call.type !== 'Call' || !kind) throw new Unreadable(`The optimizer '${this.text(receiver.range).trim()}' is not made in this script.`, receiver.range);
    const params = this.arg(call, 0, 'params');
    if (!params) throw new Unreadable(`${kind}.__init__() missing 1 required positional argument: 'params'`, call.range);
    return { call, kind, params };
  }

  private readOptimizer(call: ast.Call, kind: string): TrainingScript['optimizer'] {
    if (kind !== 'Adam' && kind !== 'SGD') throw new Unreadable(`The optimizer ${kind} is not one the editor runs: use optim.Adam or optim.SGD.`, call.range);
    const get = (index: number, name: string) => this.arg(call, index, name);
    const n = (index: number, name: string, fallback: number) => { const a = get(index, name); return a ? this.num(a, `${name} of ${kind}`) : fallback; };
    if (kind === 'Adam') {
      const betasArg = get(2, 'betas');
      let betas: [number, number] = [0.9, 0.999];
      if (betasArg) {
        const v = this.value(betasArg, 'betas of Adam');
        if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number')) throw new Unreadable('betas should be two numbers, (beta1, beta2).', betasArg.range);
        betas = [v[0] as number, v[1] as number];
      }
      return { kind: 'adam', lr: n(1, 'lr', 0.001), betas, weightDecay: n(4, 'weight_decay', 0), momentum: 0, nesterov: false };
    }
    if (!get(1, 'lr')) throw new Unreadable("parameter group didn't specify a value of required optimization parameter lr", call.range);
    const nesterovArg = get(5, 'nesterov');
    const nesterov = nesterovArg ? this.value(nesterovArg, 'nesterov flag') === true : false;
    return { kind: 'sgd', lr: n(1, 'lr', 0), momentum: n(2, 'momentum', 0), weightDecay: n(4, 'weight_decay', 0), betas: [0.9, 0.999], nesterov };
  }

  /** `net.parameters()` -> the call that built net -> its class, where it is defined, and its arguments as an entry. */
  readModel(params: ast.Expr): TrainingScript['model'] {
    let owner: ast.Expr | null = null;
    if (params.type === 'Call' && params.func.type === 'Attribute' && params.func.attr === 'parameters') owner = params.func.value;
    if (!owner) throw new Unreadable(`The optimizer trains '${this.text(params.range).trim()}': the editor runs 'model.parameters()' of one model.`, params.range);
    return this.modelFrom(owner);
  }

  private modelFrom(owner: ast.Expr): TrainingScript['model'] {
    let call = this.resolve(owner);
    // AlexNet(...).to(device), .cuda(), .train()
    while (call.type === 'Call' && call.func.type === 'Attribute' && /^(to|cuda|cpu|train|float)$/.test(call.func.attr)) call = this.resolve(call.func.value);
    if (call.type !== 'Call') throw new Unreadable(`The model '${this.text(owner.range).trim()}' is not built in this script.`, owner.range);
    const dotted = this.dotted(call.func);
    const className = dotted.slice(dotted.lastIndexOf('.') + 1);
    let file: string | null;
    if (this.classes.has(dotted)) file = null;
    else {
      const head = dotted.split('.')[0]!;
      const imp = this.imports.get(head);
      if (!imp || (imp.name === null && dotted === head)) throw new Unreadable(`The model class ${dotted} is neither defined in this script nor imported from a module beside it.`, call.func.range);
      // `from model import AlexNet` -> model.py; `import model` + model.AlexNet -> model.py; `from .nets.alexnet import X`
      const mod = imp.name === null ? [imp.module, ...dotted.split('.').slice(1, -1)].join('.') : imp.module;
      if (/^(torch|torchvision)(\.|$)/.test(mod)) throw new Unreadable(`The model comes from ${mod}: the editor runs models whose Python source is in the workspace.`, call.func.range);
      file = `${'../'.repeat(Math.max(0, imp.level - 1))}${mod.split('.').join('/')}.py`;
    }
    const args = call.args.map((a) => {
      if (a.type === 'Starred') throw new Unreadable('The model is built with *args: write its arguments out.', a.range);
      return pyRepr(this.value(a, `argument of ${className}`), a.range);
    });
    for (const k of call.keywords) {
      if (!k.arg) throw new Unreadable('The model is built with **kwargs: write its arguments out.', k.range);
      args.push(`${k.arg}=${pyRepr(this.value(k.value, `argument ${k.arg} of ${className}`), k.value.range)}`);
    }
    return { file, className, entry: `${className}(${args.join(', ')})` };
  }

  private readSeed(): number | undefined {
    const call = this.calls(this.module.body).find((c) => this.dotted(c.func) === 'torch.manual_seed');
    return call?.args[0] ? this.num(call.args[0], 'seed') : undefined;
  }

  private readSave(): string | undefined {
    const call = this.calls(this.module.body).find((c) => this.dotted(c.func) === 'torch.save');
    const path = call ? this.arg(call, 1, 'f') : undefined;
    return path ? this.str(path, 'save path') : undefined;
  }

  // ---------------------------------------------------------------- predict

  findPredict(): { load: ast.Call; image: ast.Call } | null {
    const calls = this.calls(this.module.body);
    const load = calls.find((c) => c.func.type === 'Attribute' && c.func.attr === 'load_state_dict');
    const image = calls.find((c) => this.dotted(c.func).endsWith('Image.open'));
    return load && image ? { load, image } : null;
  }

  readPredict(p: { load: ast.Call; image: ast.Call }): ScriptReading {
    const diagnostics: ScriptDiagnostic[] = [];
    const attempt = <T>(fn: () => T): T | undefined => collecting(diagnostics, fn);
    const image = attempt(() => {
      const a = this.arg(p.image, 0, 'fp');
      if (!a) throw new Unreadable("open() missing 1 required positional argument: 'fp'", p.image.range);
      return this.str(a, 'image path');
    });
    const weights = attempt(() => {
      const inner = p.load.args[0] ? this.resolve(p.load.args[0]) : undefined;
      const path = inner?.type === 'Call' && this.dotted(inner.func) === 'torch.load' ? this.arg(inner, 0, 'f') : undefined;
      if (!path) throw new Unreadable('load_state_dict should be given torch.load("weights.pth") to run in the editor.', p.load.range);
      return this.str(path, 'weights path');
    });
    const model = attempt(() => {
      if (p.load.func.type !== 'Attribute') throw new Unreadable('load_state_dict of what model?', p.load.range);
      return this.modelFrom(p.load.func.value);
    });
    const labelsCall = this.calls(this.module.body).find((c) => this.dotted(c.func) === 'open' && c.args[0]);
    const labels = labelsCall ? attempt(() => this.str(labelsCall.args[0]!, 'labels file')) : undefined;
    const line = this.all.find((s) => s.range.line <= p.image.range.line && p.image.range.line <= s.range.endLine)?.range ?? p.image.range;
    const settings = image !== undefined && weights !== undefined && model
      ? { image, weights, model, ...(labels && labels.endsWith('.json') ? { labels } : {}) }
      : null;
    return { kind: 'predict', range: line, settings: diagnostics.length ? null : settings, diagnostics };
  }
}

/** fn's value, or undefined with its Unreadable added to the diagnostics. */
function collecting<T>(diagnostics: ScriptDiagnostic[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    diagnostics.push({ message: e.message, range: e.range });
    return undefined;
  }
}

function joinPath(parts: string[]): string {
  let out = '';
  for (const p of parts) out = p.startsWith('/') || !out ? p : `${out.replace(/\/+$/, '')}/${p}`;
  return out;
}

/** A value as Python writes it, for the entry expression. */
function pyRepr(v: Val, range: SourceRange): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `(${v.map((x) => pyRepr(x, range)).join(', ')}${v.length === 1 ? ',' : ''})`;
  throw new Unreadable('A dict argument to the model is not read: write its arguments out.', range);
}
