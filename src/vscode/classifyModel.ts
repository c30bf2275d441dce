// The host's side of classification without the `vscode` API (unit- and webview-tested): what the panel is told
// about a model, and image files -> the input tensors the webview runs.
import { createHash } from 'node:crypto';
import type { Classifier } from '../core/classifier';
import { type ImageSize, ImageError, PRESETS, type Channels, type Preset, decodeImage, detectImageFormat, preprocess } from '../core/images';
import { BUILDER_VERSION } from '../core/onnx';
import type { ImageMessage, ModelInfo } from '../shared/classifyProtocol';

/** Files above this are classified but not shown (the webview would hold them twice). */
export const MAX_DISPLAY_BYTES = 16 * 1024 * 1024;

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp' };

/** A key that changes whenever the ONNX bytes would: the parts (source text, weights identity, labels, preset) and the builder. */
export function modelKey(parts: readonly string[]): string {
  const h = createHash('sha256');
  h.update(BUILDER_VERSION);
  for (const p of parts) h.update(`\u0000${p}`);
  return h.digest('hex').slice(0, 24);
}

export interface ModelNames {
  key: string;
  modelFile: string;
  weightsFile: string;
  labelsFile: string | null;
  isDefault: boolean;
}

export function modelInfo(c: Classifier, names: ModelNames): ModelInfo {
  const preset = PRESETS[c.preset];
  const gray = c.channels === 1;
  return {
    ...names,
    labelsFile: c.labelsSource === 'file' ? names.labelsFile : null,
    entry: c.entry,
    labelsSource: c.labelsSource,
    input: [1, c.channels, c.size.height, c.size.width],
    inputSource: c.size.source,
    classes: c.classes,
    labels: c.labels,
    preset: c.preset,
    transforms: c.transforms,
    mean: gray ? [preset.grayMean] : [...preset.mean],
    std: gray ? [preset.grayStd] : [...preset.std],
    outputKind: c.outputKind,
    notes: c.notes,
    maps: c.maps,
  };
}

/** An image file's bytes -> the `image` message's body: the input tensor, or the bytes for the webview's WebP decoder, or the error. */
export function prepareImage(bytes: Uint8Array, name: string, preset: Preset, channels: Channels, size?: ImageSize): Omit<ImageMessage, 'type' | 'runId' | 'index'> {
  const format = detectImageFormat(bytes);
  const display = format && bytes.length <= MAX_DISPLAY_BYTES ? { bytes, mime: MIME[format] } : undefined;
  try {
    const img = decodeImage(bytes, name);
    return { name, tensor: preprocess(img, preset, channels, name, size), display, width: img.width, height: img.height };
  } catch (e) {
    if (e instanceof ImageError && e.code === 'webp-needs-webview') return { name, encoded: bytes, display };
    if (e instanceof ImageError) return { name, error: e.message };
    return { name, error: `${name}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
