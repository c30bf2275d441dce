/**
 * Weights from scratch as PyTorch makes them: each layer's reset_parameters() (Conv2d and Linear:
 * kaiming_uniform_(a=sqrt(5)) and a bias uniform in +-1/sqrt(fan_in); BatchNorm: ones, zeros, running stats
 * 0 and 1), then the model's own recorded torch.nn.init calls in order (torch 1.13's torch/nn/init.py: fans,
 * gains and bounds as it computes them). The draws come from our seeded stream, not PyTorch's generator: the
 * distributions are PyTorch's, the numbers are not.
 */
import type { Analysis, ArgValue, InitCall } from '../model/ir';
import { type Tensor, elementCount } from '../weights/tensor';
import type { Rng } from './random';

export class InitError extends Error {
  override readonly name = 'InitError';
  constructor(message: string, readonly line: number | null = null) {
    super(message);
  }
}

/** torch.nn.init._calculate_fan_in_and_fan_out. */
export function fanInAndFanOut(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new InitError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: string, param: number | null = null): number {
  const linear = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linear.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'leaky_relu') {
    const slope = param ?? 0.01;
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3 / 4;
  throw new InitError(`Unsupported nonlinearity ${nonlinearity}`);
}

/** _calculate_correct_fan. */
function correctFan(shape: readonly number[], mode: string): number {
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new InitError(`Mode ${mode} not supported, please use one of ['fan_in', 'fan_out']`);
  const { fanIn, fanOut } = fanInAndFanOut(shape);
  return m === 'fan_in' ? fanIn : fanOut;
}

/** What an init function draws from: its distribution with the numbers torch computes for the tensor's shape. */
export type InitDistribution =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'trunc_normal'; mean: number; std: number; low: number; high: number }
  | { kind: 'constant'; value: number };

/** The spellings the model's code may use: torch.nn.init's functions, their deprecated names, the tensor methods. */
const ALIASES: Record<string, string> = {
  kaiming_normal: 'kaiming_normal_', kaiming_uniform: 'kaiming_uniform_', xavier_normal: 'xavier_normal_', xavier_uniform: 'xavier_uniform_',
  normal: 'normal_', uniform: 'uniform_', constant: 'constant_', zero_: 'zeros_', fill_: 'constant_',
};

function num(args: Record<string, ArgValue>, names: string[], fallback: number, fn: string): number {
  for (const n of names) {
    const v = args[n];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw new InitError(`${fn}(): argument '${n}' must be a number, not ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`);
  }
  return fallback;
}

function str(args: Record<string, ArgValue>, name: string, fallback: string): string {
  const v = args[name];
  return typeof v === 'string' ? v : fallback;
}

/** The distribution torch.nn.init.<fn>(tensor, **args) draws from for a tensor of `shape`. */
export function initDistribution(fn: string, args: Record<string, ArgValue>, shape: readonly number[]): InitDistribution {
  const name = ALIASES[fn] ?? fn;
  switch (name) {
    case 'kaiming_uniform_':
    case 'kaiming_normal_': {
      const a = num(args, ['a'], 0, name);
      const std = calculateGain(str(args, 'nonlinearity', 'leaky_relu'), a) / Math.sqrt(correctFan(shape, str(args, 'mode', 'fan_in')));
      if (name === 'kaiming_normal_') return { kind: 'normal', mean: 0, std };
      const bound = Math.sqrt(3) * std;
      return { kind: 'uniform', low: -bound, high: bound };
    }
    case 'xavier_uniform_':
    case 'xavier_normal_': {
      const { fanIn, fanOut } = fanInAndFanOut(shape);
      const std = num(args, ['gain'], 1, name) * Math.sqrt(2 / (fanIn + fanOut));
      if (name === 'xavier_normal_') return { kind: 'normal', mean: 0, std };
      const a = Math.sqrt(3) * std;
      return { kind: 'uniform', low: -a, high: a };
    }
    case 'normal_':
      return { kind: 'normal', mean: num(args, ['mean'], 0, name), std: num(args, ['std'], 1, name) };
    case 'uniform_':
      // torch.nn.init.uniform_(a, b); Tensor.uniform_(from, to)
      return { kind: 'uniform', low: num(args, ['a', 'from'], 0, name), high: num(args, ['b', 'to'], 1, name) };
    case 'trunc_normal_':
      return { kind: 'trunc_normal', mean: num(args, ['mean'], 0, name), std: num(args, ['std'], 1, name), low: num(args, ['a'], -2, name), high: num(args, ['b'], 2, name) };
    case 'constant_':
      return { kind: 'constant', value: num(args, ['val', 'value'], NaN, name) };
    case 'zeros_':
      return { kind: 'constant', value: 0 };
    case 'ones_':
      return { kind: 'constant', value: 1 };
    default:
      throw new InitError(`torch.nn.init.${fn} is not supported for training from scratch; supported: kaiming_normal_, kaiming_uniform_, xavier_normal_, xavier_uniform_, normal_, uniform_, trunc_normal_, constant_, zeros_, ones_`);
  }
}

/** Fills `out` with draws from `d` (float32, as torch's float tensors hold them). */
export function draw(d: InitDistribution, out: Float32Array, rng: Rng): void {
  switch (d.kind) {
    case 'constant':
      out.fill(d.value);
      return;
    case 'uniform':
      for (let i = 0; i < out.length; i++) out[i] = d.low + (d.high - d.low) * rng.uniform();
      return;
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = d.mean + d.std * rng.normal();
      return;
    case 'trunc_normal':
      // rejection from the normal: the same distribution as torch's inverse-CDF method; clamped as torch clamps
      for (let i = 0; i < out.length; i++) {
        let v = NaN;
        for (let tries = 0; tries < 1000; tries++) {
          v = d.mean + d.std * rng.normal();
          if (v >= d.low && v <= d.high) break;
        }
        out[i] = Math.min(d.high, Math.max(d.low, v));
      }
      return;
  }
}

/** The module's own reset_parameters() for each of its parameters and buffers. */
function defaultInit(key: string, op: string, opName: string, name: string, shape: number[], weightShape: number[] | undefined): InitDistribution | 'int-zero' {
  if (op === 'conv2d' || op === 'linear') {
    if (name === 'weight') return initDistribution('kaiming_uniform_', { a: Math.sqrt(5) }, shape);
    if (name === 'bias') {
      // bound 1/sqrt(fan_in) of the weight; reset_parameters skips the bias when fan_in is 0 (zeros here)
      const fanIn = weightShape ? fanInAndFanOut(weightShape).fanIn : 0;
      return fanIn > 0 ? { kind: 'uniform', low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) } : { kind: 'constant', value: 0 };
    }
  }
  if (op === 'batch_norm2d') {
    if (name === 'weight' || name === 'running_var') return { kind: 'constant', value: 1 };
    if (name === 'bias' || name === 'running_mean') return { kind: 'constant', value: 0 };
    if (name === 'num_batches_tracked') return 'int-zero';
  }
  throw new InitError(`${key}: no from-scratch initialization is known for ${opName}'s '${name}'; pass --weights INIT.pth with initial weights`);
}

/**
 * The state_dict a freshly built model holds: reset_parameters() of every registered module (Analysis.modules; the
 * modules forward calls when the analysis has no such list), then the model's
 * own `init` calls in order (Analysis.init). Keys in model order, float32 (int64 for num_batches_tracked).
 */
export function initialStateDict(analysis: Analysis, rng: Rng, init: readonly InitCall[] = analysis.init ?? []): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const seen = new Set<string>();
  const modules = analysis.modules ?? analysis.graph.nodes.filter((n): n is typeof n & { path: string } => n.kind === 'module' && n.path !== null);
  for (const node of modules) {
    if (seen.has(node.path)) continue;
    seen.add(node.path);
    const prefix = node.path === '' ? '' : `${node.path}.`;
    for (const p of node.parameters) {
      const key = `${prefix}${p.name}`;
      const d = defaultInit(key, node.key, node.op, p.name, p.shape, node.parameters.find((q) => q.name === 'weight')?.shape);
      if (d === 'int-zero') {
        out.set(key, { dtype: 'int64', shape: [...p.shape], data: new BigInt64Array(elementCount(p.shape)) });
        continue;
      }
      const data = new Float32Array(elementCount(p.shape));
      draw(d, data, rng);
      out.set(key, { dtype: 'float32', shape: [...p.shape], data });
    }
  }
  for (const call of init) {
    const t = out.get(call.target);
    if (!t) throw new InitError(`line ${call.line}: ${call.fn} initializes '${call.target}', which the model does not have`, call.line);
    if (t.dtype !== 'float32') throw new InitError(`line ${call.line}: ${call.fn} on '${call.target}' (${t.dtype}) is not supported`, call.line);
    // torch warns and does nothing for kaiming on a zero-element tensor
    if (t.data.length === 0) continue;
    let d: InitDistribution;
    try {
      d = initDistribution(call.fn, call.args, t.shape);
    } catch (e) {
      if (e instanceof InitError) throw new InitError(`line ${call.line}: ${e.message}`, call.line);
      throw e;
    }
    draw(d, t.data as Float32Array, rng);
  }
  return out;
}
