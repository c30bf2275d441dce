// alexnet-explorer train: the model trained with onnxruntime-node on an image folder or Fashion-MNIST.
import { diskModules } from '../core/module-files.node';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { classCount } from '../core/classifier';
import { ImageError } from '../core/images';
import { analyzeSourceSafely as analyzeSource } from '../core/model/analyze';
import type { Analysis } from '../core/model/ir';
import { missingOutputReason } from '../core/model/report';
import { expectedParams, floatTensors } from '../core/onnx';
import { escapeControls } from '../core/text';
import { type SampleTransform, describeTransform } from '../core/training/data';
import type { Dataset } from '../core/training/data';
import { DataError, IdxError, openDataset } from '../core/training/data.node';
import { InitError, initialStateDict } from '../core/training/init';
import { NODE_BACKEND, nodeEvalSession, nodeStepRunner } from '../core/training/onnxruntime.node';
import { classIndicesJson, trainingJson } from '../core/training/outputs';
import { moduleVersions, writeStateDictPth } from '../core/training/pth-writer';
import { Rng, STREAMS } from '../core/training/random';
import { buildTrainingStep } from '../core/training/step';
import { type Progress, Trainer, TrainingError } from '../core/training/trainer';
import type { OptimizerOptions } from '../core/training/types';
import { type Tensor, bindStateDict } from '../core/weights';
import { ExitError, type Parsed, UsageError, failed, parseInput, readSource, rejectFlags, requireFile } from './common';
import { weightsSource } from './weights';

export function main(p: Parsed): Promise<number> {
  return train(p).catch(failed);
}

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

  const step = buildTrainingStep(analysis, floatTensors(initial), { optimizer, batch, dropout: !p.flags.has('--no-dropout'), target: 'cpu' });
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
