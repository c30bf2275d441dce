// The readers' fuzz, run as a child of fuzz-readers.test.ts so that its time and memory are measured there:
// mutations of valid checkpoints, safetensors, PNG/JPEG/GIF/BMP files and labels files, byte-wise and structural
// (a mutated data.pkl re-zipped with a right CRC, a mutated PNG chunk with its CRC fixed, header fields set to
// extreme values). FUZZ_TRACE=1 names each input on stderr before it runs (a hang shows its seed). Prints one JSON line: how many ran, what escaped the readers, the slowest call.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { crc32 } from 'node:zlib';
import { ImageError, decodeImage } from '../../src/core/images';
import { LabelsError, readLabels } from '../../src/core/labels';
import { WeightsError, readCheckpoint } from '../../src/core/weights';
import { rng } from './rng';

const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 10_000);
const fixtures = join(__dirname, '..', 'fixtures');

const EXTREMES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 16384, 65535, 1 << 20];

function mutateBytes(input: Uint8Array, r: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n);
  let bytes = new Uint8Array(input); // a copy: Buffer#slice would share the fixture's memory
  const ops = 1 + pick(4);
  for (let k = 0; k < ops; k++) {
    const at = pick(bytes.length + 1);
    switch (pick(7)) {
      case 0: // flip bytes
        for (let i = 0; i < 1 + pick(8); i++) if (bytes.length) bytes[pick(bytes.length)] = pick(256);
        break;
      case 1: { // an extreme value over 1, 2 or 4 bytes, either byte order
        const value = EXTREMES[pick(EXTREMES.length)]!;
        const width = [1, 2, 4][pick(3)]!;
        const little = r() < 0.5;
        for (let i = 0; i < width && at + i < bytes.length; i++) bytes[at + i] = (value >>> (8 * (little ? i : width - 1 - i))) & 255;
        break;
      }
      case 2: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 3: { // delete a range
        const end = Math.min(bytes.length, at + 1 + pick(64));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(end)]);
        break;
      }
      case 4: { // duplicate a range
        const start = pick(bytes.length + 1);
        const piece = bytes.subarray(start, start + 1 + pick(256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...piece, ...bytes.subarray(at)]);
        break;
      }
      case 5: // insert random bytes
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...Array.from({ length: 1 + pick(16) }, () => pick(256)), ...bytes.subarray(at)]);
        break;
      default: // fill a range with one byte
        bytes.fill([0, 0xff, 0x7d, 0x28][pick(4)]!, at, at + 1 + pick(32));
    }
  }
  return bytes;
}

/** A torch.save zip with its data.pkl (or another member) mutated and the archive rebuilt with right CRCs. */
function mutateZipMember(input: Uint8Array, r: () => number): Uint8Array {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(input);
  } catch {
    return mutateBytes(input, r);
  }
  const names = Object.keys(files);
  const pkl = names.find((n) => n.endsWith('data.pkl'));
  const name = pkl && r() < 0.7 ? pkl : names[Math.floor(r() * names.length)]!;
  files[name] = mutateBytes(files[name]!, r);
  return zipSync(files, { level: 0 });
}

/** A PNG with one chunk's body mutated and its CRC fixed, so the mutation reaches the decoder. */
function mutatePngChunk(input: Uint8Array, r: () => number): Uint8Array {
  const chunks: [string, Uint8Array][] = [];
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let p = 8; p + 12 <= input.length; ) {
    const length = view.getUint32(p);
    if (p + 12 + length > input.length) break;
    chunks.push([String.fromCharCode(...input.subarray(p + 4, p + 8)), input.subarray(p + 8, p + 8 + length)]);
    p += 12 + length;
  }
  if (chunks.length === 0) return mutateBytes(input, r);
  const i = Math.floor(r() * chunks.length);
  chunks[i] = [chunks[i]![0], mutateBytes(chunks[i]![1], r)];
  const parts: Uint8Array[] = [input.subarray(0, 8)];
  for (const [type, body] of chunks) {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, body.length);
    head.set([...type].map((c) => c.charCodeAt(0)), 4);
    const typed = Uint8Array.from([...head.subarray(4), ...body]);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(typed) >>> 0);
    parts.push(head, body, crc);
  }
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const weights = readdirSync(join(fixtures, 'weights'))
  .filter((f) => /\.(pth|safetensors)$/.test(f) && !f.startsWith('bomb'))
  .map((f) => readFileSync(join(fixtures, 'weights', f)));
const imageFiles = readdirSync(join(fixtures, 'images', 'inputs'))
  .filter((f) => /\.(png|jpe?g|gif|bmp)$/.test(f))
  .map((f) => readFileSync(join(fixtures, 'images', 'inputs', f)))
  .filter((b) => b.length < 8000);
const labelTexts = [
  JSON.stringify({ 0: 'daisy', 1: 'dandelion', 2: 'roses' }),
  JSON.stringify(['daisy', 'dandelion', 'roses']),
  JSON.stringify({ daisy: 0, dandelion: 1 }),
  "{0: 'tench, Tinca tinca', 1: \"goldfish\"}",
  'daisy\ndandelion\nroses\n',
  '0 daisy\n1 dandelion\n',
];

interface Escaped {
  reader: string;
  seed: number;
  error: string;
}

const escaped: Escaped[] = [];
let slowest = { ms: 0, reader: '', seed: -1 };

function attempt(reader: string, seed: number, run: () => void, expected: (e: unknown) => boolean): void {
  const started = performance.now();
  if (process.env.FUZZ_TRACE) process.stderr.write(`${reader} ${seed}\n`);
  try {
    run();
  } catch (error) {
    if (!expected(error)) escaped.push({ reader, seed, error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error) });
  }
  const ms = performance.now() - started;
  if (ms > slowest.ms) slowest = { ms: Math.round(ms), reader, seed };
}

const started = performance.now();
for (let i = 0; i < MUTATIONS; i++) {
  const r = rng(1000 + i);
  const source = weights[i % weights.length]!;
  const bytes = r() < 0.5 ? mutateZipMember(source, r) : mutateBytes(source, r);
  attempt('checkpoint', 1000 + i, () => readCheckpoint(bytes, 'fuzz.pth'), (e) => e instanceof WeightsError);
}
for (let i = 0; i < MUTATIONS; i++) {
  const r = rng(50_000 + i);
  const source = imageFiles[i % imageFiles.length]!;
  const isPng = source[0] === 0x89;
  const bytes = isPng && r() < 0.5 ? mutatePngChunk(source, r) : mutateBytes(source, r);
  attempt('image', 50_000 + i, () => decodeImage(bytes, 'fuzz.img'), (e) => e instanceof ImageError);
}
for (let i = 0; i < MUTATIONS; i++) {
  const r = rng(90_000 + i);
  const text = new TextDecoder().decode(mutateBytes(new TextEncoder().encode(labelTexts[i % labelTexts.length]!), r));
  attempt('labels', 90_000 + i, () => readLabels(text, 'fuzz.json'), (e) => e instanceof LabelsError);
}
process.stdout.write(
  JSON.stringify({
    mutations: MUTATIONS * 3,
    escaped: escaped.slice(0, 20),
    escapedCount: escaped.length,
    slowest,
    wallMs: Math.round(performance.now() - started),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
