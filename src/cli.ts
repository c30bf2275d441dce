// alexnet-explorer: the same core from a terminal.
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { analyzeSourceSafely as analyzeSource } from './core/model/analyze';
import { diskModules } from './core/module-files.node';
import { formatInspectTable, missingOutputReason, toInspectJson } from './core/model/report';
import {
  ClassifierError, type LoadedModel, type ModelInput, type WeightsSource, buildOnnx as buildClassifierOnnx, classCount, inputNote, lastOp, modelInput,
  loadModel as loadClassifierModel, presetFor, resolveLabels,
} from './core/classifier';
import { ImageError, type Preset, decodeImage, preprocess } from './core/images';
import { outputKindOf, probabilities, topK } from './core/scores';
import { WeightsError } from './core/weights';
import { readCheckpointFile } from './core/weights/read-file.node';
import { expectedParams, floatTensors } from './core/onnx';
import { type SampleTransform, describeTransform } from './core/training/data';
import type { Dataset } from './core/training/data';
import { DataError, IdxError, openDataset } from './core/training/data.node';
import { buildTrainingStep } from './core/training/step';
import { NODE_BACKEND, nodeEvalSession, nodeStepRunner } from './core/training/onnxruntime.node';
import { InitError, initialStateDict } from './core/training/init';
import { classIndicesJson, trainingJson } from './core/training/outputs';
import { moduleVersions, writeStateDictPth } from './core/training/pth-writer';
import { Rng, STREAMS } from './core/training/random';
import { type Progress, Trainer, TrainingError } from './core/training/trainer';
import type { OptimizerOptions } from './core/training/types';
import { type Tensor, bindStateDict } from './core/weights';
import type { Analysis } from './core/model/ir';
import { FILE_LIMITS, FileReadError, readFileBounded } from './core/read-file.node';
import { escapeControls, escapeControlsKeepingLines } from './core/text';

const USAGE = `Usage:
  alexnet-explorer inspect FILE.py [--input C,H,W] [--entry NAME] [--depth N] [--json | --ir]
  alexnet-explorer export FILE.py --weights W.pth [--out model.onnx] [--input C,H,W] [--entry NAME]
                          [--batch N] [--activations]
  alexnet-explorer classify IMAGE... [--model FILE.py] [--weights FILE] [--labels FILE] [--topk K]
                          [--preset seed|imagenet] [--json] [--logits]
  alexnet-explorer train --model FILE.py --data DIR --save OUT.pth [--entry NAME] [--weights INIT.pth]
                          [--input C,H,W] [--epochs E | --steps N] [--batch B] [--optimizer sgd|adam] [--lr LR]
                          [--momentum M] [--weight-decay W] [--seed S] [--no-shuffle] [--no-dropout] [--augment]
                          [--preset seed|imagenet] [--eval-data DIR] [--strict-images] [--json]

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
  train     Train the model with onnxruntime-node on an ImageFolder (one subfolder per class) or a folder of
            Fashion-MNIST IDX files, from scratch (PyTorch's init and the model's own nn.init calls) or from
            --weights; saves a torch.load-able state_dict with class_indices.json and training.json beside it.
            Defaults: 1 epoch, batch 32, adam, lr 0.0002 (sgd: 0.01), seed 0. --entry "Net(num_classes=10)"
            builds the model with arguments. Ctrl-C saves what was trained so far. --json: a line per step.

Exit status: 0 success, 1 the model is wrong (PyTorch would raise) or its weights do not fit it, 2 unusable input.`;

class UsageError extends Error {}

interface Parsed { command: string; files: string[]; flags: Map<string, string | true> }

function parseArgs(argv: string[]): Parsed {
  const [command = '', ...rest] = argv;
  const files: string[] = [];
  const flags = new Map<string, string | true>();
  const withValue = new Set([
    '--input', '--entry', '--depth', '--weights', '--out', '--model', '--labels', '--topk', '--preset', '--batch',
    '--data', '--epochs', '--steps', '--optimizer', '--lr', '--momentum', '--weight-decay', '--seed', '--eval-data', '--save',
  ]);
  const booleans = ['--json', '--ir', '--help', '--logits', '--activations', '--no-shuffle', '--no-dropout', '--augment', '--strict-images'];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      const [k, v] = a.split('=', 2);
      if (withValue.has(k)) {
        const val = v ?? rest[++i];
        if (val === undefined) throw new UsageError(`${k} needs a value`);
        flags.set(k, val);
      } else if (booleans.includes(k)) {
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

/** A model source as CPython would read it: a regular file of UTF-8 text without NUL bytes, else one line. */
function readSource(file: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(file, FILE_LIMITS.source, 'a Python source file (.py)');
  } catch (e) {
    if (e instanceof FileReadError) throw new ExitError(e.message, 2);
    throw e;
  }
  if (bytes.includes(0)) throw new ExitError(`${file}: holds NUL bytes: a binary file, not Python source`, 2);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // CPython's own refusal of a source file that is not UTF-8 (PEP 3120)
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    throw new ExitError(
      `${file}:${line}: SyntaxError: Non-UTF-8 code starting with '\\x${bytes[bad]!.toString(16).padStart(2, '0')}' in file ${file} ` +
        `on line ${line}, but no encoding declared; see https://peps.python.org/pep-0263/ for details`,
      1,
    );
  }
}

/** The offset of the first byte that does not start a valid UTF-8 sequence there. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let good = 0;
  let bad = bytes.length;
  // the longest valid prefix, by bisection (a valid prefix may end inside a sequence: back off 3 bytes)
  while (good < bad) {
    const mid = (good + bad + 1) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid));
      good = mid;
    } catch {
      bad = mid - 1;
    }
  }
  return Math.min(good, bytes.length - 1);
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
  const analysis = analyzeSource(source, { input, entry, file, readModule: diskModules() });
  if (!analysis.entry) {
    // the real reason first: an error PyTorch would raise, a budget the code ran out of, an internal error
    const reason = analysis.diagnostics.find((d) => d.severity === 'error' || d.code === 'budget' || d.code === 'internal');
    if (reason) {
      process.stderr.write(`${file}:${reason.range.line}: ${escapeControls(reason.message)}\n`);
      return reason.severity === 'error' && reason.code !== 'internal' ? 1 : 2;
    }
    process.stderr.write(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)\n`);
    return 2;
  }
  if (entry && analysis.entry !== entry) {
    throw new UsageError(`${file}: no model named '${entry}'; found: ${analysis.candidates.map(escapeControls).join(', ')}`);
  }
  if (p.flags.has('--ir')) {
    process.stdout.write(safeJson(analysis) + '\n');
  } else if (p.flags.has('--json')) {
    process.stdout.write(safeJson(toInspectJson(analysis), 2) + '\n');
  } else {
    process.stdout.write(escapeControlsKeepingLines(formatInspectTable(analysis, file, depth)));
  }
  if (analysis.error) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${analysis.error.line}: ${escapeControls(analysis.error.message)}\n`);
    return 1;
  }
  const syntax = analysis.diagnostics.find((d) => d.code === 'syntax' || d.code === 'internal');
  if (syntax) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${syntax.range.line}: ${escapeControls(syntax.message)}\n`);
    return syntax.code === 'internal' ? 2 : 1;
  }
  // Never silent: no output shape and no model error means a construct the analysis cannot follow.
  const unsupported = missingOutputReason(analysis);
  if (unsupported) {
    if (!p.flags.has('--json') && !p.flags.has('--ir')) process.stderr.write(`${file}:${unsupported.line}: ${escapeControls(unsupported.message)}\n`);
    return 2;
  }
  return 0;
}

/** JSON whose strings cannot reach a terminal as control characters (JSON.stringify leaves C1 and U+2028 raw). */
function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
  if (!st.isFile()) throw new ExitError(`${file}: is not a regular file (a pipe, socket or device?), expected ${what}`, 2);
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
        if (e instanceof WeightsError) throw new ExitError(e.message, e.code === 'unreadable' || (e.code === 'not-a-checkpoint' && !existsSync(weightsFile)) ? 2 : 1);
        throw e;
      }
    },
  };
}

/** See core/classifier's loadModel: load_state_dict(strict=True), with Entry(num_classes=K) when only the head differs. */
function loadModel(modelFile: string, weightsFile: string, input: number[] | undefined, entry: string | undefined, inputNote = ''): LoadedModel {
  try {
    return loadClassifierModel({ file: modelFile, text: readSource(modelFile), entry, readModule: diskModules() }, weightsSource(weightsFile), { input, inputNote });
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
    training = new TextDecoder().decode(readFileBounded(join(dirname(weights), 'training.json'), FILE_LIMITS.labels, 'training.json'));
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
    size = modelInput({ file: modelFile, text: readSource(modelFile), entry, readModule: diskModules() });
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
    const text = existsSync(labelsFile) ? new TextDecoder().decode(readFileBounded(labelsFile, FILE_LIMITS.labels, 'a labels file')) : null;
    labels = resolveLabels(text === null ? null : { file: labelsFile, text }, weights, classes).labels;
  } catch (e) {
    if (e instanceof FileReadError) throw new ExitError(e.message, 2);
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
      input = preprocess(decodeImage(readFileBounded(file, FILE_LIMITS.image, 'an image'), file), preset, channels, file, size);
    } catch (e) {
      // each image fails alone: the others of the run still get their results
      const message = e instanceof ImageError || e instanceof FileReadError ? e.message : `${file}: ${internalError(e)}`;
      status = 2;
      results.push({ file, error: message });
      process.stderr.write(`alexnet-explorer: ${escapeControls(message)}\n`);
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
    process.stdout.write(safeJson(results, 2) + '\n');
  } else {
    for (const r of results) {
      if (!r.top) continue;
      process.stdout.write(`${escapeControls(r.file)}  (${r.backend}, ${r.ms} ms)\n`);
      const labels = r.top.map((t) => escapeControls(t.label));
      const width = Math.max(...labels.map((label) => label.length));
      r.top.forEach((t, i) => process.stdout.write(`  ${i + 1}. ${labels[i]!.padEnd(width)}  ${(t.prob * 100).toFixed(2).padStart(6)}%\n`));
      if (r.logits) process.stdout.write(`  logits: [${r.logits.map((v) => v.toFixed(4)).join(', ')}]\n`);
    }
  }
  return status;
}

// ---------------------------------------------------------------- train

function numberFlag(p: Parsed, flag: string, fallback: number, check: (v: number) => boolean, what: string): number {
  const v = p.flags.get(flag);
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} expects ${what}, got '${String(v)}'`);
  return n;
}

const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;

/** Fails before any training when the weights could not be saved: the folder is made (as `mkdir -p`) and must take files. */
function prepareSaveFolder(save: string): void {
  const dir = dirname(save);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, fsConstants.W_OK);
  } catch (e) {
    throw new ExitError(`${save}: cannot save there: its folder ${dir} cannot be made or written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  if (existsSync(save) && statSync(save).isDirectory()) throw new ExitError(`${save}: is a folder; --save takes a file name such as ${join(save, 'model.pth')}`, 2);
}

/** The model analysed for training, in train mode at the step's batch: `--entry` is a class, a factory or a call ("Net(num_classes=10)"). */
function analyzeForTraining(file: string, text: string, entry: string | undefined, input: number[] | undefined, batch: number): Analysis {
  const analysis = analyzeSource(text, { input, entry, mode: 'train', batch, file, readModule: diskModules() });
  if (!analysis.entry) {
    const reason = analysis.diagnostics.find((d) => d.severity === 'error' || d.code === 'budget' || d.code === 'internal');
    if (reason) throw new ExitError(`${file}:${reason.range.line}: ${escapeControls(reason.message)}`, reason.severity === 'error' && reason.code !== 'internal' ? 1 : 2);
    throw new ExitError(`${file}: no PyTorch model found (a class deriving from nn.Module or a module-level nn.Sequential)`, 2);
  }
  if (analysis.error) throw new ExitError(`${file}:${analysis.error.line}: ${escapeControls(analysis.error.message)}`, 1);
  const unsupported = missingOutputReason(analysis);
  if (unsupported) throw new ExitError(`${file}:${unsupported.line}: ${escapeControls(unsupported.message)}`, 2);
  return analysis;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function progressBar(p: Progress, started: number): string {
  const width = 24;
  const done = Math.round((p.step / p.totalSteps) * width);
  const elapsed = (performance.now() - started) / 1000;
  const eta = (elapsed / p.step) * (p.totalSteps - p.step);
  return `step ${p.step}/${p.totalSteps} [${'#'.repeat(done)}${'.'.repeat(width - done)}] loss ${p.loss.toFixed(4)}  ${p.imagesPerSecond.toFixed(1)} img/s  ETA ${formatDuration(eta)}`;
}

function openData(dir: string, channels: 1 | 3, split: 'train' | 't10k', strict: boolean): Dataset {
  try {
    return openDataset(dir, { channels, split, strictImages: strict, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
  } catch (e) {
    if (e instanceof DataError || e instanceof IdxError) throw new ExitError(e.message, 2);
    if (e instanceof ImageError) throw new ExitError(`${e.message} (--strict-images stops at an image that does not decode)`, 2);
    throw e;
  }
}

async function train(p: Parsed): Promise<number> {
  rejectFlags(p, [
    '--model', '--entry', '--weights', '--data', '--input', '--epochs', '--steps', '--batch', '--optimizer', '--lr', '--momentum',
    '--weight-decay', '--seed', '--no-shuffle', '--no-dropout', '--augment', '--eval-data', '--save', '--json', '--strict-images', '--preset',
  ]);
  if (p.files.length > 0) throw new UsageError(`train takes no positional arguments (got '${p.files[0]}'); the data is --data DIR`);
  const modelFile = p.flags.get('--model');
  const dataDir = p.flags.get('--data');
  const save = p.flags.get('--save');
  if (typeof modelFile !== 'string') throw new UsageError('train needs --model FILE.py');
  if (typeof dataDir !== 'string') throw new UsageError('train needs --data DIR (class subfolders of images, or Fashion-MNIST IDX files)');
  if (typeof save !== 'string') throw new UsageError('train needs --save OUT.pth');
  prepareSaveFolder(save);
  if (p.flags.has('--epochs') && p.flags.has('--steps')) throw new UsageError('give --epochs or --steps, not both');
  const epochs = numberFlag(p, '--epochs', 1, positiveInt, 'a positive integer');
  const steps = p.flags.has('--steps') ? numberFlag(p, '--steps', 1, positiveInt, 'a positive integer') : undefined;
  const batch = numberFlag(p, '--batch', 32, positiveInt, 'a positive integer');
  const kind = (p.flags.get('--optimizer') as string | undefined) ?? 'adam';
  if (kind !== 'sgd' && kind !== 'adam') throw new UsageError(`--optimizer expects sgd or adam, got '${kind}'`);
  const lr = numberFlag(p, '--lr', kind === 'adam' ? 0.0002 : 0.01, (v) => v > 0, 'a positive number');
  const weightDecay = numberFlag(p, '--weight-decay', 0, (v) => v >= 0, 'a number >= 0');
  if (kind === 'adam' && p.flags.has('--momentum')) throw new UsageError('--momentum is for --optimizer sgd (adam has betas 0.9, 0.999)');
  const momentum = numberFlag(p, '--momentum', 0, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  const seed = numberFlag(p, '--seed', 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2^32)');
  const presetFlag = (p.flags.get('--preset') as string | undefined) ?? 'seed';
  if (presetFlag !== 'seed' && presetFlag !== 'imagenet') throw new UsageError(`--preset expects seed or imagenet, got '${presetFlag}'`);
  const optimizer: OptimizerOptions = kind === 'sgd'
    ? { kind, lr, momentum, dampening: 0, nesterov: false, weightDecay }
    : { kind, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay };
  const json = p.flags.has('--json');
  const strict = p.flags.has('--strict-images');

  requireFile(modelFile, 'a PyTorch model file');
  const input = typeof p.flags.get('--input') === 'string' ? parseInput(p.flags.get('--input') as string) : undefined;
  const entry = p.flags.get('--entry') as string | undefined;
  const analysis = analyzeForTraining(modelFile, readSource(modelFile), entry, input, batch);
  const [, channels, height, width] = analysis.input;
  if (analysis.input.length !== 4 || (channels !== 1 && channels !== 3)) {
    throw new ExitError(`${modelFile}: the model takes input [${analysis.input.slice(1).join(', ')}]; training feeds images as [1 or 3, H, W] (set it with --input C,H,W)`, 2);
  }
  const transform: SampleTransform = { channels, size: { height: height!, width: width! }, preset: presetFlag, augment: p.flags.has('--augment') };

  const data = openData(dataDir, channels, 'train', strict);
  const classes = classCount(analysis);
  if (classes !== data.classes.length) {
    const k = data.classes.length;
    throw new ExitError(
      `${modelFile}: ${analysis.modelClass ?? analysis.entry}'s output has ${classes} classes but ${dataDir} has ${k}; ` +
      `set num_classes=${k} where the model is built, or build it with --entry "${analysis.modelClass ?? analysis.entry}(num_classes=${k})"`, 2);
  }
  const evalFlag = p.flags.get('--eval-data');
  const evalData = typeof evalFlag === 'string' ? openData(evalFlag, channels, 't10k', strict) : null;
  if (evalData && evalData.classes.join('\n') !== data.classes.join('\n')) {
    throw new ExitError(`${evalFlag}: its classes (${evalData.classes.join(', ')}) are not ${dataDir}'s (${data.classes.join(', ')})`, 2);
  }

  let initial: Map<string, Tensor>;
  const weights = p.flags.get('--weights');
  if (typeof weights === 'string') {
    requireFile(weights, 'a .pth or .safetensors checkpoint');
    const checkpoint = weightsSource(weights).read();
    const bound = bindStateDict(expectedParams(analysis), checkpoint, { modelName: analysis.modelClass ?? analysis.entry ?? undefined });
    if (!bound.ok) throw new ExitError(`${weights}: ${bound.error}`, 2);
    initial = bound.tensors;
  } else {
    try {
      initial = initialStateDict(analysis, new Rng(seed, STREAMS.init));
    } catch (e) {
      if (e instanceof InitError) throw new ExitError(`${modelFile}${e.line ? `:${e.line}` : ''}: ${e.message.replace(/^line \d+: /, '')}`, 1);
      throw e;
    }
  }

  const step = buildTrainingStep(analysis, floatTensors(initial), { optimizer, batch, dropout: !p.flags.has('--no-dropout') });
  const runner = await nodeStepRunner(step.onnx);
  const started = performance.now();
  const tty = !json && process.stderr.isTTY === true;
  const trainer = new Trainer({
    step, runStep: runner.run, analysis, initial, data, transform, lr, epochs, steps, seed, shuffle: !p.flags.has('--no-shuffle'),
    onProgress: (pr) => {
      if (json) process.stdout.write(JSON.stringify({ step: pr.step, loss: pr.loss, ms: Math.round(pr.ms * 100) / 100 }) + '\n');
      else if (tty) process.stderr.write(`\r${progressBar(pr, started)}\x1b[K`);
      else if (pr.step === pr.totalSteps || pr.step % 50 === 0) process.stderr.write(`${progressBar(pr, started)}\n`);
    },
  });
  if (!json) {
    process.stderr.write(`training ${analysis.entry} on ${data.name}: ${data.labels.length} images, ${data.classes.length} classes, ` +
      `${trainer.totalSteps} steps of ${batch} (${describeTransform(transform)}), ${kind} lr ${lr}\n`);
  }
  const onSigint = () => {
    if (trainer.cancelled) process.exit(130);
    trainer.cancel();
    process.stderr.write(`\ninterrupted: saving what was trained so far (Ctrl-C again to quit without saving)\n`);
  };
  process.on('SIGINT', onSigint);
  let result;
  try {
    result = await trainer.run();
  } catch (e) {
    if (e instanceof TrainingError) throw new ExitError(e.message, 1);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await runner.release();
    if (tty) process.stderr.write('\n');
  }
  const evalAccuracy = evalData && !result.cancelled ? await trainer.evaluate(evalData, nodeEvalSession()) : null;

  const dir = dirname(save);
  const bytes = writeStateDictPth(trainer.stateDict(), { metadata: moduleVersions(analysis) });
  try {
    writeFileSync(save, bytes);
    writeFileSync(join(dir, 'class_indices.json'), classIndicesJson(data.classes));
    writeFileSync(join(dir, 'training.json'), trainingJson({
      transform, classes, data: dataDir, model: modelFile, entry: entry ?? analysis.entry ?? '', optimizer: { ...optimizer }, batch, seed,
      steps: result.steps, cancelled: result.cancelled, trainAccuracy: result.trainAccuracy, evalAccuracy, backend: NODE_BACKEND,
    }));
  } catch (e) {
    throw new ExitError(`${save}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  const summary = {
    saved: save, backend: NODE_BACKEND, steps: result.steps, cancelled: result.cancelled, loss: result.loss,
    train_accuracy: result.trainAccuracy, eval_accuracy: evalAccuracy, images_per_second: Math.round(result.imagesPerSecond * 10) / 10,
  };
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    const acc = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(2)}%`);
    process.stdout.write(`${result.cancelled ? 'interrupted after' : 'trained'} ${result.steps} steps (${summary.images_per_second} img/s, ${NODE_BACKEND}): ` +
      `loss ${result.loss.toFixed(4)}, train accuracy ${acc(result.trainAccuracy)}, eval accuracy ${acc(evalAccuracy)}\n` +
      `saved ${save} (${bytes.length} bytes) with class_indices.json and training.json in ${dir}\n`);
  }
  return 0;
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
      case 'train': return train(p).catch(failed);
      default: throw new UsageError(`unknown command '${p.command}'`);
    }
  } catch (e) {
    return failed(e);
  }
}

function failed(e: unknown): number {
  if (e instanceof ExitError) {
    // names from files are escaped where messages are made; PyTorch's own line breaks (load_state_dict) stay
    process.stderr.write(`alexnet-explorer: ${escapeControlsKeepingLines(e.message)}\n`);
    return e.code;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`alexnet-explorer: ${escapeControls(e.message)}\n${USAGE}\n`);
    return 2;
  }
  process.stderr.write(`alexnet-explorer: ${escapeControls(internalError(e))}\n`);
  if (process.env.ALEXNET_EXPLORER_DEBUG) process.stderr.write(`${(e as Error).stack ?? e}\n`);
  return 2;
}

/** One line for an exception nobody expected: what it says, and that it is ours to fix (no stack trace). */
function internalError(e: unknown): string {
  const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `internal error: ${reason.split('\n')[0]!.slice(0, 300)} (a bug of alexnet-explorer: please report it, with the file; ALEXNET_EXPLORER_DEBUG=1 prints the stack)`;
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
