// Makes the Fashion-MNIST subset shipped with the extension (models/fashion-mnist/subset/, IDX files, gzipped) for
// the in-editor training snippets: the first 200 images of each class of the training set and the first 50 of each
// class of the test set, in the original order, from Debian's dataset-fashion-mnist.
//   node --import tsx tools/make-fashion-mnist-subset.ts [SOURCE_DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { idxFileName, readIdx } from '../src/core/training/idx';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = join(__dirname, '..', 'models', 'fashion-mnist', 'subset');
const PER_CLASS = { train: 200, t10k: 50 } as const;

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x0800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const bytes = new Uint8Array(header.length + data.length);
  bytes.set(header);
  bytes.set(data, header.length);
  // mtime 0: the same bytes every time
  return gzipSync(bytes, { level: 9, mtime: 0 });
}

mkdirSync(out, { recursive: true });
for (const split of ['train', 't10k'] as const) {
  const read = (what: 'images' | 'labels') => {
    const file = join(source, `${idxFileName(split, what)}.gz`);
    return readIdx(readFileSync(file), file);
  };
  const images = read('images');
  const labels = read('labels');
  const [, h, w] = images.shape as [number, number, number];
  const taken = new Array<number>(10).fill(0);
  const picked: number[] = [];
  labels.data.forEach((label, i) => {
    if (taken[label]! < PER_CLASS[split]) {
      taken[label]!++;
      picked.push(i);
    }
  });
  const pixels = new Uint8Array(picked.length * h * w);
  picked.forEach((i, k) => pixels.set(images.data.subarray(i * h * w, (i + 1) * h * w), k * h * w));
  const imagesGz = idx([picked.length, h, w], pixels);
  const labelsGz = idx([picked.length], Uint8Array.from(picked, (i) => labels.data[i]!));
  writeFileSync(join(out, `${idxFileName(split, 'images')}.gz`), imagesGz);
  writeFileSync(join(out, `${idxFileName(split, 'labels')}.gz`), labelsGz);
  process.stdout.write(`${split}: ${picked.length} images (${PER_CLASS[split]} a class), ${imagesGz.length + labelsGz.length} bytes gzipped\n`);
}
