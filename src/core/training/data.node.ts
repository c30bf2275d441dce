/**
 * Node-only: training data from disk. A folder holding Fashion-MNIST's IDX files (Debian's
 * /usr/share/datasets/fashion-mnist, or the subset shipped in models/fashion-mnist/subset) or an ImageFolder
 * tree (one subfolder per class), decoded with src/core/images.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Channels, ImageError, convertPixels, decodeImage } from '../images';
import type { Dataset, Pixels } from './data';
import { IdxError, idxDataset, idxFileName, readIdx } from './idx';
import { DataError, type WalkedDir, imageFolderSamples } from './imagefolder';

export interface OpenDataOptions {
  channels: Channels;
  /** Which IDX split a Fashion-MNIST folder gives: train-* for training, t10k-* for evaluation (train-* when absent). */
  split: 'train' | 't10k';
  /** A file that does not decode is fatal instead of skipped with a warning. */
  strictImages?: boolean;
  warn?: (message: string) => void;
  /** Decoded pixels kept in memory up to this many bytes (default 512 MiB); the rest are decoded again when used. */
  cacheBytes?: number;
}

/** The IDX files of `split` in `dir` (plain or .gz), or null when the folder has none. */
function idxFiles(dir: string, split: 'train' | 't10k'): { images: string; labels: string } | null {
  const find = (what: 'images' | 'labels') => {
    const base = join(dir, idxFileName(split, what));
    return existsSync(base) ? base : existsSync(`${base}.gz`) ? `${base}.gz` : null;
  };
  const images = find('images');
  const labels = find('labels');
  return images && labels ? { images, labels } : null;
}

/** Opens `dir` as Fashion-MNIST IDX files when it has them, else as an ImageFolder. Throws DataError, IdxError or ImageError. */
export function openDataset(dir: string, options: OpenDataOptions): Dataset {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DataError(`${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new DataError(`${dir}: is not a folder (expected class subfolders of images, or Fashion-MNIST's IDX files)`);
  const idx = idxFiles(dir, options.split) ?? (options.split === 't10k' ? idxFiles(dir, 'train') : null);
  if (idx) {
    const images = readIdx(readFileSync(idx.images), idx.images);
    const labels = readIdx(readFileSync(idx.labels), idx.labels);
    const split = idx.images.includes('t10k-') ? 't10k' : 'train';
    return idxDataset(images, labels, options.channels, `${dir} (Fashion-MNIST ${split}, IDX)`);
  }
  return openImageFolder(dir, options);
}

function listDir(dir: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    // os.walk(followlinks=True) and os.scandir's is_dir() follow links
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isDirectory() === true);
    (isDir ? dirs : files).push(entry.name);
  }
  return { dirs, files };
}

function walk(dir: string): WalkedDir[] {
  const out: WalkedDir[] = [];
  const seen = new Set<string>();
  const visit = (d: string) => {
    if (seen.has(d)) return;
    seen.add(d);
    const { dirs, files } = listDir(d);
    out.push({ path: d, files });
    for (const sub of dirs) visit(join(d, sub));
  };
  visit(dir);
  return out;
}

/** ImageFolder's classes and samples (paths and labels) under `dir`, in its order. */
export function imageFolderListing(dir: string): ReturnType<typeof imageFolderSamples> {
  return imageFolderSamples(dir, listDir(dir).dirs, (cls) => walk(join(dir, cls)));
}

/** ImageFolder: every image decoded once up front, so a file that does not decode is named before training starts. */
function openImageFolder(dir: string, options: OpenDataOptions): Dataset {
  const { classes, samples } = imageFolderListing(dir);
  const budget = options.cacheBytes ?? 512 * 1024 * 1024;
  const paths: string[] = [];
  const labels: number[] = [];
  const cache: (Pixels | undefined)[] = [];
  let cached = 0;
  const perClass = new Array<number>(classes.length).fill(0);
  const load = (path: string): Pixels => {
    const img = decodeImage(readFileSync(path), path);
    return { width: img.width, height: img.height, channels: options.channels, data: convertPixels(img, options.channels) };
  };
  for (const s of samples) {
    let pixels: Pixels;
    try {
      pixels = load(s.path);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      if (options.strictImages) throw e;
      options.warn?.(`skipped ${e.message}`);
      continue;
    }
    paths.push(s.path);
    labels.push(s.label);
    perClass[s.label]!++;
    if (cached + pixels.data.length <= budget) {
      cache.push(pixels);
      cached += pixels.data.length;
    } else {
      cache.push(undefined);
    }
  }
  const emptyClasses = classes.filter((_, i) => perClass[i] === 0);
  if (emptyClasses.length > 0) {
    throw new DataError(`${dir}: no image that decodes in the class folder${emptyClasses.length > 1 ? 's' : ''} ${emptyClasses.join(', ')}`);
  }
  return {
    name: `${dir} (ImageFolder)`,
    classes,
    labels: Int32Array.from(labels),
    pixels: (i) => cache[i] ?? load(paths[i]!),
  };
}

export { DataError, IdxError };
