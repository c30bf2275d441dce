// What every command of the CLI shares: its arguments, its errors and exit statuses, reading a model file.
// Each command (inspect.ts, classify.ts, train.ts here) is bundled on its own and loaded only when asked for
// (src/cli.ts, load.ts): keep this file small, free of the analyzer, the weights and onnxruntime.
import { statSync } from 'node:fs';
import { FILE_LIMITS, FileReadError, readFileBounded } from '../core/read-file.node';
import { escapeControls, escapeControlsKeepingLines } from '../core/text';

export const USAGE = `Usage:
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

export class UsageError extends Error {}

export interface Parsed { command: string; files: string[]; flags: Map<string, string | true> }

export function parseArgs(argv: string[]): Parsed {
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

export function parseInput(s: string): number[] {
  const parts = s.trim().split(/\s*[,x×]\s*|\s+/);
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (dims.length < 1 || dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UsageError(`--input expects C,H,W with positive integers, got '${s}'`);
  }
  return dims;
}

/** A model source as CPython would read it: a regular file of UTF-8 text without NUL bytes, else one line. */
export function readSource(file: string): string {
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

/** JSON whose strings cannot reach a terminal as control characters (JSON.stringify leaves C1 and U+2028 raw). */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A failure with its exit status: 1 the model or weights are wrong, 2 unusable input. */
export class ExitError extends Error {
  constructor(message: string, readonly code: 1 | 2) {
    super(message);
  }
}

export function rejectFlags(p: Parsed, allowed: string[]): void {
  for (const k of p.flags.keys()) {
    if (k !== '--help' && !allowed.includes(k)) throw new UsageError(`${p.command} does not take ${k}`);
  }
}

export function requireFile(file: string, what: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new ExitError(`${file}: no such file (${what})`, 2);
  }
  if (st.isDirectory()) throw new ExitError(`${file}: is a directory, expected ${what}`, 2);
  if (!st.isFile()) throw new ExitError(`${file}: is not a regular file (a pipe, socket or device?), expected ${what}`, 2);
}

/** A command's exit status for what it threw: its message on stderr (with the usage for a usage error). */
export function failed(e: unknown): number {
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
export function internalError(e: unknown): string {
  const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `internal error: ${reason.split('\n')[0]!.slice(0, 300)} (a bug of alexnet-explorer: please report it, with the file; ALEXNET_EXPLORER_DEBUG=1 prints the stack)`;
}

