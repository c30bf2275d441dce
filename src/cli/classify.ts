// alexnet-explorer export and classify: the model with its weights as ONNX, and images classified with onnxruntime-node.
import { diskModules } from '../core/module-files.node';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import {
  ClassifierError, type LoadedModel, type ModelInput, buildOnnx as buildClassifierOnnx, classCount, inputNote, lastOp, modelInput,
  loadModel as loadClassifierModel, presetFor, resolveLabels,
} from '../core/classifier';
import { ImageError, type Preset, decodeImage, preprocess } from '../core/images';
import { FILE_LIMITS, FileReadError, readFileBounded } from '../core/read-file.node';
import { outputKindOf, probabilities, topK } from '../core/scores';
import { escapeControls } from '../core/text';
import { ExitError, type Parsed, UsageError, failed, internalError, parseInput, readSource, rejectFlags, requireFile, safeJson } from './common';
import { weightsSource } from './weights';

// models/ beside src/ and dist/ (this file is src/cli/classify.ts, bundled as dist/cli/classify.js)
const MODELS_DIR = join(__dirname, '..', '..', 'models');
const DEFAULT_MODEL = join(MODELS_DIR, 'alexnet.py');
const DEFAULT_WEIGHTS = join(MODELS_DIR, 'fashion-mnist', 'alexnet-fashion-mnist.pth');
const BACKEND = 'onnxruntime-node (cpu)';

export function main(p: Parsed): number | Promise<number> {
  try {
    return p.command === 'export' ? exportOnnx(p) : classify(p).catch(failed);
  } catch (e) {
    return failed(e);
  }
}

/** The CLI's exit statuses for the shared classifier's errors. */
function fromClassifierError(e: unknown): never {
  if (e instanceof ClassifierError) {
    if (e.kind === 'usage') throw new UsageError(e.message);
    throw new ExitError(e.message, e.kind === 'model' ? 1 : 2);
  }
  throw e;
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
