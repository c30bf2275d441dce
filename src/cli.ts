// alexnet-explorer: the same core from a terminal.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { analyzeSource } from './core/model/analyze';
import { formatInspectTable, toInspectJson } from './core/model/report';
import {
  ClassifierError, type LoadedModel, type ModelInput, type WeightsSource, buildOnnx as buildClassifierOnnx, classCount, inputNote, lastOp, modelInput,
  loadModel as loadClassifierModel, presetFor, resolveLabels,
} from './core/classifier';
import { ImageError, type Preset, decodeImage, preprocess } from './core/images';
import { outputKindOf, probabilities, topK } from './core/scores';
import { WeightsError } from './core/weights';
import { readCheckpointFile } from './core/weights/read-file.node';

const USAGE = `Usage:
  alexnet-explorer inspect FILE.py [--input C,H,W] [--entry NAME] [--depth N] [--json | --ir]
  alexnet-explorer export FILE.py --weights W.pth [--out model.onnx] [--input C,H,W] [--entry NAME]
                          [--batch N] [--activations]
  alexnet-explorer classify IMAGE... [--model FILE.py] [--weights FILE] [--labels FILE] [--topk K]
                          [--preset seed|imagenet] [--json] [--logits]

Commands:
  inspect   Read a PyTorch model file (no Python needed) and print every layer's output shape,
            parameters and MACs, torchinfo-style; --json prints the summary as JSON, --ir the whole graph;
            --depth N folds modules nested deeper than N levels into one row per block (torchview's depth:
            1 = the model's own attributes, 2 = their children, e.g. each BasicBlock or Inception).
  export    Write the model with its weights (.pth or .safetensors) as ONNX (opset 13, input 'input',
            output 'logits'); --batch N fixes the batch size (default 1, 'N' for any), --activations adds
            every layer's output as a graph output.
  classify  Classify images with onnxruntime-node: the seed AlexNet and its Fashion-MNIST weights by default,
            or --model/--weights/--labels (class_indices.json beside the weights when not given;
            torchvision's alexnet-owt-*.pth gets the ImageNet classes and preprocessing built in).
            --preset picks the preprocessing (default: the weights' training.json, else 'seed').

Exit status: 0 success, 1 the model is wrong (PyTorch would raise) or its weights do not fit it, 2 unusable input.`;

const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

class UsageError extends Error {}

interface Parsed { command: string; files: string[]; flags: Map<string, string | true> }

function parseArgs(argv: string[]): Parsed {
  const [command = '', ...rest] = argv;
  const files: string[] = [];
  const flags = new Map<string, string | true>();
  const withValue = new Set(['--input', '--entry', '--depth', '--weights', '--out', '--model', '--labels', '--topk', '--preset', '--batch']);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      const [k, v] = a.split('=', 2);
      if (withValue.has(k)) {
        const val = v ?? rest[++i];
        if (val === undefined) throw new UsageError(`${k} needs a value`);
        flags.set(k, val);
      } else if (['--json', '--ir', '--help', '--logits', '--activations'].includes(k)) {
        flags.set(k, true);
      } else {
        throw new UsageError(`unknown option ${k}`);
      }
    } else if (a === '-h') {
      flags.set('--help', true);
    } else {
      files.push(a);
    }
  }
  return { command, files, flags };
}

function parseInput(s: string): number[] {
  const parts = s.trim().split(/\s*[,x×]\s*|\s+/);
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (dims.length < 1 || dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UsageError(`--input expects C,H,W with positive integers, got '${s}'`);
  }
  return dims;
}

function readSource(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file}: is a directory, expected a .py file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: no such file`);
  }
  if (size > MAX_SOURCE_BYTES) throw new UsageError(`${file}: ${size} bytes is too large for a model source (limit ${MAX_SOURCE_BYTES})`);
  const buf = readFileSync(file);
  if (buf.includes(0)) throw new UsageError(`${file}: binary file, expected Python source`);
  return buf.toString('utf8');
}

function inspect(p: Parsed): number {
  if (p.files.length !== 1) throw new UsageError('inspect takes exactly one FILE.py');
  const file = p.files[0];
  const source = readSource(file);
  const input = typeof p.flags.get('--input') === 'string' ? parseInput(p.flags.get('--input') as string) : undefined;
  const entry = p.flags.get('--entry') as string | undefined;
  const depthFlag = p.flags.get('--depth') as string | undefined;
  if (depthFlag !== undefined && !(/^\d+$/.test(depthFlag) && Number(depthFlag) >= 1)) throw new UsageError(`--depth expects a positive integer, got '${depthFlag}'`);
  const depth = depthFlag === undefined ? undefined : Number(depthFlag);
  const analysis = analyzeSource(source, { input, entry });
  if (!analysis.entry) {
    process.stderr.write(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)\n`);
    return 2;
  }
  if (entry && analysis.entry !== entry) {
    throw new UsageError(`${file}: no model named '${entry}'; found: ${analysis.candidates.join(', ')}`);
  }
  if (p.flags.has('--ir')) {
    process.stdout.write(JSON.stringify(analysis) + '\n');
  } else if (p.flags.has('--json')) {
    process.stdout.write(JSON.stringify(toInspectJson(analysis), null, 2) + '\n');
  } else {
    process.stdout.write(formatInspectTable(analysis, file, depth));
  }
  if (analysis.error) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${analysis.error.line}: ${analysis.error.message}\n`);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------- export and classify

/** A failure with its exit status: 1 the model or weights are wrong, 2 unusable input. */
class ExitError extends Error {
  constructor(message: string, readonly code: 1 | 2) {
    super(message);
  }
}

const MODELS_DIR = join(__dirname, '..', 'models');
const DEFAULT_MODEL = join(MODELS_DIR, 'alexnet.py');
const DEFAULT_WEIGHTS = join(MODELS_DIR, 'fashion-mnist', 'alexnet-fashion-mnist.pth');
const BACKEND = 'onnxruntime-node (cpu)';

function rejectFlags(p: Parsed, allowed: string[]): void {
  for (const k of p.flags.keys()) {
    if (k !== '--help' && !allowed.includes(k)) throw new UsageError(`${p.command} does not take ${k}`);
  }
}

function requireFile(file: string, what: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new ExitError(`${file}: no such file (${what})`, 2);
  }
  if (st.isDirectory()) throw new ExitError(`${file}: is a directory, expected ${what}`, 2);
}

/** The CLI's exit statuses for the shared classifier's errors. */
function fromClassifierError(e: unknown): never {
  if (e instanceof ClassifierError) {
    if (e.kind === 'usage') throw new UsageError(e.message);
    throw new ExitError(e.message, e.kind === 'model' ? 1 : 2);
  }
  throw e;
}

function weightsSource(weightsFile: string): WeightsSource {
  return {
    file: weightsFile,
    read: () => {
      try {
        return readCheckpointFile(weightsFile);
      } catch (e) {
        if (e instanceof WeightsError) throw new ExitError(e.message, e.code === 'not-a-checkpoint' && !existsSync(weightsFile) ? 2 : 1);
        throw e;
      }
    },
  };
}

/** See core/classifier's loadModel: load_state_dict(strict=True), with Entry(num_classes=K) when only the head differs. */
function loadModel(modelFile: string, weightsFile: string, input: number[] | undefined, entry: string | undefined, inputNote = ''): LoadedModel {
  try {
    return loadClassifierModel({ file: modelFile, text: readSource(modelFile), entry }, weightsSource(weightsFile), { input, inputNote });
  } catch (e) {
    return fromClassifierError(e);
  }
}

function buildOnnx(loaded: LoadedModel, options: { batch?: number | 'N'; activations?: boolean }): Uint8Array {
  try {
    return buildClassifierOnnx(loaded, options);
  } catch (e) {
    return fromClassifierError(e);
  }
}

function exportOnnx(p: Parsed): number {
  rejectFlags(p, ['--weights', '--out', '--input', '--entry', '--batch', '--activations']);
  if (p.files.length !== 1) throw new UsageError('export takes exactly one FILE.py');
  const file = p.files[0];
  const weights = p.flags.get('--weights');
  if (typeof weights !== 'string') throw new UsageError('export needs --weights FILE (a .pth or .safetensors checkpoint)');
  const input = typeof p.flags.get('--input') === 'string' ? parseInput(p.flags.get('--input') as string) : undefined;
  const batchFlag = p.flags.get('--batch') as string | undefined;
  let batch: number | 'N' = 1;
  if (batchFlag !== undefined) {
    if (/^[Nn]$/.test(batchFlag)) batch = 'N';
    else if (/^\d+$/.test(batchFlag) && Number(batchFlag) >= 1) batch = Number(batchFlag);
    else throw new UsageError(`--batch expects a positive integer or N, got '${batchFlag}'`);
  }
  const out = (p.flags.get('--out') as string | undefined) ?? `${basename(file, extname(file))}.onnx`;
  requireFile(weights, 'a .pth or .safetensors checkpoint');
  const loaded = loadModel(file, weights, input, p.flags.get('--entry') as string | undefined);
  for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
  const bytes = buildOnnx(loaded, { batch, activations: p.flags.has('--activations') });
  try {
    writeFileSync(out, bytes);
  } catch (e) {
    throw new ExitError(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  const { input: shape, output } = loaded.analysis;
  const dims = (s: number[]) => `[${[batch, ...s.slice(1)].join(', ')}]`;
  process.stdout.write(`wrote ${out} (${bytes.length} bytes, ONNX opset 13): input ${dims(shape)} -> logits ${dims(output ?? [])}\n`);
  return 0;
}

interface ImageResult {
  file: string;
  top?: { index: number; label: string; prob: number }[];
  logits?: number[];
  backend?: string;
  ms?: number;
  error?: string;
}

function readPreset(p: Parsed, weights: string): Preset {
  const flag = p.flags.get('--preset');
  if (flag !== undefined) {
    if (flag !== 'seed' && flag !== 'imagenet') throw new UsageError(`--preset expects seed or imagenet, got '${String(flag)}'`);
    return flag;
  }
  let training: string | null = null;
  try {
    training = readFileSync(join(dirname(weights), 'training.json'), 'utf8');
  } catch {
    // no training.json: the study note's preprocessing
  }
  return presetFor(weights, training);
}

async function classify(p: Parsed): Promise<number> {
  rejectFlags(p, ['--model', '--weights', '--labels', '--topk', '--preset', '--json', '--logits', '--entry']);
  if (p.files.length === 0) throw new UsageError('classify takes one or more IMAGE files');
  const topkFlag = p.flags.get('--topk') as string | undefined;
  if (topkFlag !== undefined && !(/^\d+$/.test(topkFlag) && Number(topkFlag) >= 1)) throw new UsageError(`--topk expects a positive integer, got '${topkFlag}'`);
  const modelFile = (p.flags.get('--model') as string | undefined) ?? DEFAULT_MODEL;
  const weights = (p.flags.get('--weights') as string | undefined) ?? DEFAULT_WEIGHTS;
  requireFile(modelFile, 'a PyTorch model file');
  if (!p.flags.has('--weights') && !existsSync(weights)) {
    throw new ExitError(`the default weights ${weights} are not there (they are made by tools/train-fashion-mnist.py); pass --weights FILE`, 2);
  }
  requireFile(weights, 'a .pth or .safetensors checkpoint');
  const labelsFile = (p.flags.get('--labels') as string | undefined) ?? join(dirname(weights), 'class_indices.json');
  if (p.flags.has('--labels')) requireFile(labelsFile, 'a labels file');
  const preset = readPreset(p, weights);

  // the images the model takes, at its own size (its `# input[...]`, else 224x224 or the size that fits it)
  const entry = p.flags.get('--entry') as string | undefined;
  let size: ModelInput;
  try {
    size = modelInput({ file: modelFile, text: readSource(modelFile), entry });
  } catch (e) {
    return fromClassifierError(e);
  }
  const { channels } = size;
  const loaded = loadModel(modelFile, weights, [channels, size.height, size.width], entry, inputNote(size));
  // the shipped pair needs num_classes=10 by design: no note for it
  const shipped = !p.flags.has('--model') && !p.flags.has('--weights');
  if (!shipped) for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
  const classes = classCount(loaded.analysis);
  let labels: readonly string[] | null;
  try {
    labels = resolveLabels(existsSync(labelsFile) ? { file: labelsFile, text: readFileSync(labelsFile, 'utf8') } : null, weights, classes).labels;
  } catch (e) {
    return fromClassifierError(e);
  }
  const bytes = buildOnnx(loaded, { batch: 1 });
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  const kind = outputKindOf(lastOp(loaded.analysis));
  const k = Math.min(topkFlag ? Number(topkFlag) : 5, classes);

  const results: ImageResult[] = [];
  let status = 0;
  for (const file of p.files) {
    let input: Float32Array;
    try {
      requireFile(file, 'an image');
      input = preprocess(decodeImage(readFileSync(file), file), preset, channels, file, size);
    } catch (e) {
      if (!(e instanceof ImageError) && !(e instanceof ExitError)) throw e;
      status = 2;
      results.push({ file, error: e.message });
      process.stderr.write(`alexnet-explorer: ${e.message}\n`);
      continue;
    }
    const start = performance.now();
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, channels, size.height, size.width]) });
    const ms = performance.now() - start;
    const logits = out.logits.data as Float32Array;
    const top = topK(probabilities(logits, kind), k, labels);
    results.push({ file, top, ...(p.flags.has('--logits') ? { logits: Array.from(logits) } : {}), backend: BACKEND, ms: Math.round(ms * 100) / 100 });
  }

  if (p.flags.has('--json')) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } else {
    for (const r of results) {
      if (!r.top) continue;
      process.stdout.write(`${r.file}  (${r.backend}, ${r.ms} ms)\n`);
      const width = Math.max(...r.top.map((t) => t.label.length));
      r.top.forEach((t, i) => process.stdout.write(`  ${i + 1}. ${t.label.padEnd(width)}  ${(t.prob * 100).toFixed(2).padStart(6)}%\n`));
      if (r.logits) process.stdout.write(`  logits: [${r.logits.map((v) => v.toFixed(4)).join(', ')}]\n`);
    }
  }
  return status;
}

export function main(argv: string[]): number | Promise<number> {
  try {
    const p = parseArgs(argv);
    if (p.flags.has('--help') || p.command === 'help' || p.command === '--help' || p.command === '-h' || p.command === '') {
      process.stdout.write(USAGE + '\n');
      return p.command === '' ? 2 : 0;
    }
    switch (p.command) {
      case 'inspect': return inspect(p);
      case 'export': return exportOnnx(p);
      case 'classify': return classify(p).catch(failed);
      default: throw new UsageError(`unknown command '${p.command}'`);
    }
  } catch (e) {
    return failed(e);
  }
}

function failed(e: unknown): number {
  if (e instanceof ExitError) {
    process.stderr.write(`alexnet-explorer: ${e.message}\n`);
    return e.code;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`alexnet-explorer: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  process.stderr.write(`alexnet-explorer: internal error: ${(e as Error).stack ?? e}\n`);
  return 2;
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
