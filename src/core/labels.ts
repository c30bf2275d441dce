/**
 * Class labels for a classifier's outputs: the user's class_indices.json / labels.txt, or the 1000 ImageNet
 * classes built in for torchvision's own AlexNet checkpoint. Pure: the files are read by the caller.
 */
import imagenetClasses from '../../media/imagenet-classes.json';
import { briefJson, escapeControls } from './text';

export type LabelsErrorCode = 'empty' | 'malformed' | 'not-contiguous';

export class LabelsError extends Error {
  override readonly name = 'LabelsError';
  constructor(
    readonly code: LabelsErrorCode,
    /** The file the error is about, as the caller named it. */
    readonly file: string,
    /** The message without the file name in front. */
    readonly detail: string,
  ) {
    // one line whatever the file holds: names read from it cannot forge output lines
    super(`${file}: ${escapeControls(detail)}`);
  }
}

/** The 1000 ImageNet-1k class names in torchvision's order (AlexNet_Weights.IMAGENET1K_V1.meta['categories']). */
export const IMAGENET_CLASSES: readonly string[] = imagenetClasses;

/** torchvision's pretrained AlexNet as torch.hub saves it: today's name, and the one before torchvision 0.13. */
const TORCHVISION_ALEXNET = /^alexnet-owt-(7be5be79|4df8aa71)\.pth$/;

/** Whether a checkpoint file (a path or a bare name) is torchvision's ImageNet AlexNet, whose labels are built in. */
export function isTorchvisionAlexNetCheckpoint(file: string): boolean {
  const name = file.split(/[\\/]/).pop() ?? file;
  return TORCHVISION_ALEXNET.test(name);
}

/** The file name torch.hub gives torchvision's AlexNet weights (AlexNet_Weights.IMAGENET1K_V1). */
export const TORCHVISION_ALEXNET_FILE = 'alexnet-owt-7be5be79.pth';

/**
 * Reads class labels, index i -> name, from the text of
 * - class_indices.json: `{"0": "daisy", "1": "dandelion"}`, its inverse `{"daisy": 0}` (ImageFolder's class_to_idx),
 *   or a JSON array `["daisy", "dandelion"]`;
 * - a Python dict literal such as `{0: 'tench, Tinca tinca', ...}` (the well-known imagenet1000 labels file);
 * - labels.txt: one label a line, blank lines ignored, or `index label` lines (`0 daisy`, `0: daisy`).
 * Indices must run 0..n-1 without gaps. Errors name the file.
 */
export function readLabels(text: string, file: string): string[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new LabelsError('empty', file, 'is empty: it has no class labels');
  if (body.startsWith('{') || body.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      const python = body.startsWith('{') ? pythonDictLabels(body) : null;
      if (python) return fromIndexed(python, file);
      const reason = error instanceof Error ? error.message : String(error);
      throw new LabelsError('malformed', file, `is not valid JSON (${reason}); expected {"0": "class name", ...} or ["class name", ...]`);
    }
    return fromJson(parsed, file);
  }
  return fromLines(body, file);
}

function fromJson(parsed: unknown, file: string): string[] {
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new LabelsError('empty', file, 'is an empty JSON array: it has no class labels');
    const bad = parsed.findIndex((v) => typeof v !== 'string' && typeof v !== 'number');
    if (bad >= 0) throw new LabelsError('malformed', file, `has a non-string label at index ${bad}: ${briefJson(parsed[bad])}`);
    return parsed.map(String);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) throw new LabelsError('empty', file, 'is an empty JSON object: it has no class labels');
  const indexed: [number, string][] = [];
  // {"daisy": 0, ...}: the inverse mapping, as ImageFolder's class_to_idx is dumped
  if (entries.every(([, v]) => Number.isInteger(v)) && !entries.every(([k]) => /^\d+$/.test(k))) {
    for (const [name, index] of entries) indexed.push([index as number, name]);
    return fromIndexed(indexed, file);
  }
  for (const [key, value] of entries) {
    if (!/^\d+$/.test(key.trim())) {
      throw new LabelsError('malformed', file, `has the key ${briefJson(key)}, which is not a class index; expected {"0": "class name", ...}`);
    }
    if (typeof value !== 'string') {
      throw new LabelsError('malformed', file, `has a non-string label for class ${key}: ${briefJson(value)}`);
    }
    indexed.push([Number(key), value]);
  }
  return fromIndexed(indexed, file);
}

/** `{0: 'tench, Tinca tinca', 1: "goldfish"}`: int keys, quoted values; null when the text is not that. */
function pythonDictLabels(body: string): [number, string][] | null {
  const entry = /\s*(\d+)\s*:\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)")\s*(,|(?=\}))/y;
  const out: [number, string][] = [];
  let at = 1;
  entry.lastIndex = at;
  for (let m = entry.exec(body); m; m = entry.exec(body)) {
    out.push([Number(m[1]), (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1')]);
    at = entry.lastIndex;
  }
  return out.length > 0 && /^\s*\}$/.test(body.slice(at)) ? out : null;
}

function fromLines(body: string, file: string): string[] {
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const indexedLine = /^(\d+)\s*[:,\t ]\s*(\S.*)$/;
  const matches = lines.map((l) => indexedLine.exec(l));
  // `index label` only when every line has it and the indices are 0..n-1: "3 little pigs" alone stays a label
  if (matches.every((m) => m !== null)) {
    const indexed = matches.map((m) => [Number(m![1]), m![2]!.trim()] as [number, string]);
    const seen = new Set(indexed.map(([i]) => i));
    if (seen.size === indexed.length && indexed.every(([i]) => i < indexed.length)) return fromIndexed(indexed, file);
  }
  return lines;
}

function fromIndexed(indexed: [number, string][], file: string): string[] {
  const labels: string[] = new Array(indexed.length);
  for (const [index, name] of indexed) {
    if (index >= indexed.length || labels[index] !== undefined) {
      const dup = labels[index] !== undefined && index < indexed.length;
      throw new LabelsError(
        'not-contiguous',
        file,
        dup
          ? `gives class ${index} twice (${briefJson(labels[index])} and ${briefJson(name)})`
          : `has class index ${index} but only ${indexed.length} labels: indices must run from 0 to ${indexed.length - 1}`,
      );
    }
    labels[index] = name;
  }
  return labels;
}
