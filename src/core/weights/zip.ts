import { Inflate } from 'fflate';
import { WeightsError } from './errors';

/** One file of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  /** The uncompressed size the archive declares; inflating never produces more. */
  size: number;
  localHeaderOffset: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const STORED = 0;
const DEFLATED = 8;
/** Compressed bytes fed to the inflater at a time: deflate expands at most ~1032x, so output per step stays bounded. */
const INFLATE_STEP = 16 * 1024;

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** Reads the central directory. Entries keep the archive's order; a repeated name keeps its first entry. */
export function readZipDirectory(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view);
  if (end < 0) {
    throw new WeightsError(
      'truncated',
      file,
      'the zip archive has no end-of-central-directory record: the file is truncated (an interrupted download or copy?)',
    );
  }
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_END_LOCATOR) {
      throw new WeightsError('corrupt', file, 'the zip archive declares zip64 sizes but has no zip64 locator');
    }
    const zip64End = safeNumber(view.getBigUint64(locator + 8, true), file);
    if (zip64End + 56 > bytes.length || view.getUint32(zip64End, true) !== ZIP64_END) {
      throw new WeightsError('truncated', file, 'the zip64 end-of-central-directory record lies outside the file');
    }
    count = safeNumber(view.getBigUint64(zip64End + 32, true), file);
    directorySize = safeNumber(view.getBigUint64(zip64End + 40, true), file);
    directoryOffset = safeNumber(view.getBigUint64(zip64End + 48, true), file);
  }
  if (directoryOffset + directorySize > bytes.length) {
    throw new WeightsError('truncated', file, 'the zip central directory lies outside the file (truncated?)');
  }
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER) {
      throw new WeightsError('corrupt', file, `zip central directory entry ${i} is damaged`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength + extraLength + commentLength > bytes.length) {
      throw new WeightsError('truncated', file, `zip central directory entry ${i} runs past the end of the file`);
    }
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    readZip64Extra(view, at + 46 + nameLength, extraLength, entry, file);
    if (!entries.has(entry.name)) entries.set(entry.name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  return -1;
}

/** Replaces 0xffffffff sizes and offset by the 64-bit values of the zip64 extra field, in the order the format fixes. */
function readZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry, file: string): void {
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + size) throw new WeightsError('corrupt', file, `zip64 field of ${entry.name} is too short`);
        const value = safeNumber(view.getBigUint64(field, true), file);
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

function safeNumber(value: bigint, file: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new WeightsError('corrupt', file, 'a zip64 size is out of range');
  return Number(value);
}

/**
 * The uncompressed bytes of one entry. Refuses entries that declare more than `maxSize` before inflating
 * anything, and stops inflating as soon as the output passes the declared size.
 */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  file: string,
  maxSize: number,
  /** What bounds the size, for the error: "its storage needs 432 bytes". */
  bound = `at most ${maxSize} bytes are expected`,
): Uint8Array {
  if (entry.flags & 1) throw new WeightsError('unsupported', file, `zip entry ${entry.name} is encrypted`);
  if (entry.size > maxSize) {
    throw new WeightsError(
      'zip-bomb',
      file,
      `zip entry ${entry.name} declares ${entry.size} uncompressed bytes where ${bound}; refusing to inflate it (a zip bomb?)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = entry.localHeaderOffset;
  if (header + 30 > bytes.length || view.getUint32(header, true) !== LOCAL_HEADER) {
    throw new WeightsError('corrupt', file, `the local header of zip entry ${entry.name} is missing or damaged`);
  }
  const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new WeightsError('truncated', file, `zip entry ${entry.name} runs past the end of the file (truncated?)`);
  }
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === STORED) {
    if (entry.compressedSize !== entry.size) {
      throw new WeightsError('corrupt', file, `stored zip entry ${entry.name} has inconsistent sizes`);
    }
    data = compressed;
  } else if (entry.method === DEFLATED) {
    data = inflateBounded(compressed, entry, file);
  } else {
    throw new WeightsError('unsupported', file, `zip entry ${entry.name} uses compression method ${entry.method}`);
  }
  if (crc32(data) !== entry.crc32) {
    throw new WeightsError('corrupt', file, `zip entry ${entry.name} fails its CRC-32 check (the file is damaged)`);
  }
  return data;
}

function inflateBounded(compressed: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const out = new Uint8Array(entry.size);
  let written = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > out.length) {
      throw new WeightsError(
        'zip-bomb',
        file,
        `zip entry ${entry.name} inflates past its declared size of ${entry.size} bytes; refusing it (a zip bomb?)`,
      );
    }
    out.set(chunk, written);
    written += chunk.length;
    if (final) ended = true;
  });
  try {
    if (compressed.length === 0) inflater.push(compressed, true);
    for (let at = 0; at < compressed.length; at += INFLATE_STEP) {
      const stop = Math.min(at + INFLATE_STEP, compressed.length);
      inflater.push(compressed.subarray(at, stop), stop === compressed.length);
    }
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    throw new WeightsError('corrupt', file, `zip entry ${entry.name} holds invalid deflate data`);
  }
  if (!ended || written !== entry.size) {
    throw new WeightsError('corrupt', file, `zip entry ${entry.name} inflates to ${written} bytes, not the ${entry.size} it declares`);
  }
  return out;
}

/** CRC-32 tables for slicing-by-8: table k maps a byte k positions back. */
let crcTables: Uint32Array[] | undefined;

function makeCrcTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) tables[k][n] = (tables[0][tables[k - 1][n] & 0xff] ^ (tables[k - 1][n] >>> 8)) >>> 0;
  }
  return tables;
}

export function crc32(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = (crcTables ??= makeCrcTables());
  let crc = 0xffffffff;
  let i = 0;
  const bulkEnd = data.length - (data.length % 8);
  for (; i < bulkEnd; i += 8) {
    const low = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) ^ crc;
    crc =
      t7[low & 0xff] ^
      t6[(low >>> 8) & 0xff] ^
      t5[(low >>> 16) & 0xff] ^
      t4[low >>> 24] ^
      t3[data[i + 4]] ^
      t2[data[i + 5]] ^
      t1[data[i + 6]] ^
      t0[data[i + 7]];
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
