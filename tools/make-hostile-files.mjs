// Hostile inputs for the hardening tests (issue 10), built on the fly: nothing multi-GB lives in the repository.
// Usage: node tools/make-hostile-files.mjs DIR [--scale N]   (N: MiB of the big storages, default 256)
// Each generator writes one file into DIR and returns its path; `allHostileFiles(dir)` writes every one.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

// ---------------------------------------------------------------- zip (the torch.save container)

/** An entry of `size` zero bytes, deflated by hand (a 1 GiB storage costs about 6.5 MB of file). */
function zerosEntry(name, size) {
  const chunk = Buffer.alloc(1 << 20);
  let crc = 0;
  for (let left = size; left > 0; left -= chunk.length) crc = zlibCrc32(left >= chunk.length ? chunk : chunk.subarray(0, left), crc);
  return [name, Buffer.alloc(0), 'zeros', size, crc];
}

/** The raw deflate stream of `size` zeros (fixed Huffman: a literal 0, then matches of 258 at distance 1). */
function deflateZeros(size) {
  const out = [];
  let bits = 0;
  let count = 0;
  const put = (value, length) => {
    for (let i = 0; i < length; i++) {
      bits |= ((value >> i) & 1) << count;
      if (++count === 8) {
        out.push(bits);
        bits = 0;
        count = 0;
      }
    }
  };
  const code = (value, length) => {
    // Huffman codes go most significant bit first
    for (let i = length - 1; i >= 0; i--) put((value >> i) & 1, 1);
  };
  put(1, 1); // final block
  put(1, 2); // fixed Huffman
  let left = size;
  const literal0 = () => code(0x30, 8);
  if (left > 0) {
    literal0();
    left--;
  }
  while (left >= 258) {
    code(0b11000101, 8); // length 258 (symbol 285)
    code(0, 5); // distance 1
    left -= 258;
  }
  while (left-- > 0) literal0();
  code(0, 7); // end of block (256)
  if (count > 0) out.push(bits);
  return Buffer.from(out);
}

/** A zip of [name, bytes, method (0 stored, 8 deflated, 'zeros'), size?, crc?] entries; `pad` misaligns entry data. */
function zipWithZeros(entries, options) {
  const prepared = entries;
  const parts = [];
  const central = [];
  let offset = 0;
  const pad = options?.pad ?? 0;
  for (const [name, data, kind = 8, declared, givenCrc] of prepared) {
    const zeros = kind === 'zeros';
    const method = zeros ? 8 : kind;
    const size = zeros ? declared : declared ?? data.length;
    const crc = zeros ? givenCrc : givenCrc ?? zlibCrc32(data);
    const body = zeros ? deflateZeros(declared) : method === 8 ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const extra = Buffer.alloc(pad);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, nameBytes);
    parts.push(local, nameBytes, extra, body);
    offset += 30 + nameBytes.length + extra.length + body.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(prepared.length, 8);
  end.writeUInt16LE(prepared.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralBytes, end]);
}

// ---------------------------------------------------------------- pickle (protocol 2)

const op = (...bytes) => Buffer.from(bytes);
const text = (s) => {
  const b = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(5);
  head[0] = 0x58; // BINUNICODE
  head.writeUInt32LE(b.length, 1);
  return Buffer.concat([head, b]);
};
const global = (module, name) => Buffer.from(`c${module}\n${name}\n`, 'latin1');
const int = (n) => {
  const b = Buffer.alloc(5);
  b[0] = 0x4a; // BININT
  b.writeInt32LE(n, 1);
  return b;
};
const tuple = (...items) => Buffer.concat([op(0x28), ...items, op(0x74)]);
const MARK = op(0x28);
const STOP = op(0x2e);
const PROTO2 = op(0x80, 0x02);

/** A _rebuild_tensor_v2 of a FloatStorage with `key`, `numel` elements, viewed with offset/shape/stride. */
function tensorPickle(storageClass, key, numel, offset, shape, stride) {
  return Buffer.concat([
    global('torch._utils', '_rebuild_tensor_v2'),
    MARK,
    tuple(text('storage'), global('torch', storageClass), text(key), text('cpu'), int(numel)),
    op(0x51), // BINPERSID
    int(offset),
    tuple(...shape.map(int)),
    tuple(...stride.map(int)),
    op(0x89), // False
    global('collections', 'OrderedDict'),
    op(0x29, 0x52), // () REDUCE
    op(0x74, 0x52), // TUPLE REDUCE
  ]);
}

/** A state_dict pickle {name: tensor} from [name, tensorPickle] pairs. */
function stateDict(pairs) {
  return Buffer.concat([PROTO2, op(0x7d), MARK, ...pairs.flatMap(([name, t]) => [text(name), t]), op(0x75), STOP]);
}

function checkpoint(dir, name, pickle, storages = [], options) {
  const file = join(dir, name);
  writeFileSync(file, zipWithZeros([['archive/data.pkl', pickle], ['archive/byteorder', Buffer.from('little'), 0], ...storages], options));
  return file;
}

export const checkpoints = {
  /** data.pkl of 32 M EMPTY_DICT opcodes, deflated to about 32 KB: 32 M dicts on the stack. */
  pickleBomb: (dir) => checkpoint(dir, 'pickle-bomb.pth', Buffer.concat([PROTO2, Buffer.alloc(32 << 20, 0x7d), STOP])),
  /** 16 expanded (stride 0) views of one float each, 256 MiB apiece. */
  expandedViews: (dir) =>
    checkpoint(
      dir,
      'expanded-views.pth',
      stateDict(Array.from({ length: 16 }, (_, i) => [`w${i}`, tensorPickle('FloatStorage', '0', 1, 0, [64 << 20], [0])])),
      [['archive/data/0', Buffer.alloc(4)]],
    ),
  /** Four contiguous keys over one deflated storage of `mib` MiB: read once, shared. */
  aliasedStorage: (dir, mib = 256) => {
    const numel = (mib << 20) / 4;
    return checkpoint(
      dir,
      'aliased-storage.pth',
      stateDict(Array.from({ length: 4 }, (_, i) => [`w${i}`, tensorPickle('FloatStorage', '0', numel, 0, [numel], [1])])),
      [zerosEntry('archive/data/0', mib << 20)],
    );
  },
  /** 16 transposed views of one 64 MiB storage: each needs a copy; the copies may not outgrow the storage. */
  transposedViews: (dir) => {
    const side = 4096;
    return checkpoint(
      dir,
      'transposed-views.pth',
      stateDict(Array.from({ length: 16 }, (_, i) => [`w${i}`, tensorPickle('FloatStorage', '0', side * side, 0, [side, side], [1, side])])),
      [zerosEntry('archive/data/0', side * side * 4)],
    );
  },
  /** A key tuple t = (t, t) nested 200 deep: its full repr is 2^200 long. */
  doublingKey: (dir) => {
    const parts = [PROTO2, op(0x7d), op(0x29)]; // {} ()
    for (let i = 0; i < 200; i++) parts.push(op(0x32, 0x86)); // DUP TUPLE2
    parts.push(int(1), op(0x73), STOP); // SETITEM
    return checkpoint(dir, 'doubling-key.pth', Buffer.concat(parts));
  },
  /** torch.constructor as a storage class, over a 1 GiB declared entry. */
  protoGlobal: (dir) =>
    checkpoint(dir, 'proto-global.pth', stateDict([['w', tensorPickle('constructor', '0', 1 << 28, 0, [1 << 28], [1])]]), [
      zerosEntry('archive/data/0', 1 << 30),
    ]),
  /** Key names with terminal escape sequences and a newline (a forged line). */
  escapeKeys: (dir) =>
    checkpoint(dir, 'escape-keys.pth', Buffer.concat([PROTO2, op(0x7d), text('\x1b[2J\x1b[31mowned\nalexnet-explorer: all good'), int(1), op(0x73), STOP])),
  /** A valid transposed tensor in a stored entry at an odd offset: must load. */
  unalignedStored: (dir) => {
    const data = Buffer.alloc(24);
    for (let i = 0; i < 6; i++) data.writeFloatLE(i, i * 4);
    return checkpoint(dir, 'unaligned-stored.pth', stateDict([['w', tensorPickle('FloatStorage', '0', 6, 0, [3, 2], [1, 3])]]), [['archive/data/0', data, 0]], {
      pad: 1,
    });
  },
};

// ---------------------------------------------------------------- safetensors

function safetensors(dir, name, header, dataBytes) {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  writeFileSync(fd, Buffer.concat([head, json]));
  closeSync(fd);
  // the data is a sparse hole: zeros that take no disk
  const handle = openSync(file, 'r+');
  ftruncateSync(handle, 8 + json.length + dataBytes);
  closeSync(handle);
  return file;
}

export const safetensorsFiles = {
  /** 64 tensors over the same 32 MiB. */
  overlapping: (dir) =>
    safetensors(
      dir,
      'overlapping.safetensors',
      Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`w${i}`, { dtype: 'F32', shape: [8 << 20], data_offsets: [0, 32 << 20] }])),
      32 << 20,
    ),
  /** A dtype named __proto__. */
  protoDtype: (dir) => safetensors(dir, 'proto-dtype.safetensors', { w: { dtype: '__proto__', shape: [1], data_offsets: [0, 4] } }, 4),
};

// ---------------------------------------------------------------- images

function pngChunk(type, body) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlibCrc32(Buffer.concat([Buffer.from(type, 'latin1'), body])) >>> 0);
  return Buffer.concat([head, body, crc]);
}

/** A zlib stream of `size` zeros (header, fixed-Huffman deflate, Adler-32). */
function zlibZeros(size) {
  // adler32 of zeros: a stays 1, b grows by 1 a byte
  const a = 1;
  const b = size % 65521;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0x01]), deflateZeros(size), adler]);
}

function png(width, height, depth, colorType, interlace, idat) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG with only SOI and a frame header (enough for the checks that run before decoding). */
function jpegFrame(width, height, precision, sampling) {
  const comps = sampling.map((s, i) => [i + 1, s, 0]).flat();
  const sof = Buffer.from([0xff, 0xc0, 0, 8 + comps.length, precision, height >> 8, height & 255, width >> 8, width & 255, sampling.length, ...comps]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
}

export const images = {
  /** A 1x1 RGB PNG whose pixel data inflates to `mib` MiB. */
  pngBomb: (dir, mib = 1024) => {
    const file = join(dir, 'png-bomb.png');
    writeFileSync(file, png(1, 1, 8, 2, 0, zlibZeros(mib << 20)));
    return file;
  },
  /** The same for the interlaced 1-bit path (png-adam7.ts). */
  pngBombInterlaced: (dir, mib = 1024) => {
    const file = join(dir, 'png-bomb-adam7.png');
    writeFileSync(file, png(1, 1, 1, 0, 1, zlibZeros(mib << 20)));
    return file;
  },
  /** 16384x3051 with 4x4 sampling on every component. */
  jpegHuge: (dir) => {
    const file = join(dir, 'jpeg-huge.jpg');
    writeFileSync(file, jpegFrame(16384, 3051, 8, [0x44, 0x44, 0x44]));
    return file;
  },
  /** A 12-bit frame header. */
  jpeg12bit: (dir) => {
    const file = join(dir, 'jpeg-12bit.jpg');
    writeFileSync(file, jpegFrame(64, 64, 12, [0x11, 0x11, 0x11]));
    return file;
  },
};

// ---------------------------------------------------------------- special files, sizes and labels

export const special = {
  fifo: (dir) => {
    const file = join(dir, 'fifo');
    execFileSync('mkfifo', [file]);
    return file;
  },
  /** A listening Unix socket; close the returned server when done. */
  socket: async (dir) => {
    const file = join(dir, 'socket');
    const server = createServer();
    await new Promise((resolve) => server.listen(file, resolve));
    return { file, server };
  },
  /** A sparse file of `gib` GiB (no disk used). */
  sparse: (dir, name = 'sparse-3g.bin', gib = 3) => {
    const file = join(dir, name);
    const fd = openSync(file, 'w');
    ftruncateSync(fd, gib * 2 ** 30);
    closeSync(fd);
    return file;
  },
  /** A labels file nested 100,000 arrays deep. */
  deepLabels: (dir) => {
    const file = join(dir, 'deep-labels.json');
    writeFileSync(file, '[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']');
    return file;
  },
  /** Labels with escape sequences and a forged line. */
  escapeLabels: (dir, classes = 10) => {
    const file = join(dir, 'escape-labels.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: classes }, (_, i) => `\x1b[31mclass${i}\nalexnet-explorer: forged`)));
    return file;
  },
};

// ---------------------------------------------------------------- Python sources

const MODEL_TAIL = 'import torch.nn as nn\nm = nn.Sequential(nn.ReLU())\n';

export const python = {
  plusChain: () => `x = ${Array(5000).fill('1').join('+')}\n${MODEL_TAIL}`,
  attributeChain: () => `import torch\nx = torch${'.a'.repeat(5000)}\n${MODEL_TAIL}`,
  callChain: () => `def f():\n    return f\nx = f${'()'.repeat(5000)}\n${MODEL_TAIL}`,
  forwardChain: () =>
    'import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 8, 3)\n' +
    `    def forward(self, y):\n        y = self.c(y)\n        return ${Array(5000).fill('y').join(' + ')}\n`,
  listDoubling: () => `l = [1]\nfor i in range(100):\n    l = l + l\n${MODEL_TAIL}`,
  tupleDoubling: () => `t = (1,)\nfor i in range(100):\n    t = t + t\n${MODEL_TAIL}`,
  stringDoubling: () => `s = 'ab'\nfor i in range(100):\n    s = s + s\n${MODEL_TAIL}`,
  augmentedDoubling: () => `l = [1]\nfor i in range(100):\n    l += l\n${MODEL_TAIL}`,
  extendDoubling: () => `l = [1]\nfor i in range(100):\n    l.extend(l)\n${MODEL_TAIL}`,
  starDoubling: () => `l = [1]\nfor i in range(100):\n    l = [*l, *l]\n${MODEL_TAIL}`,
  // strings that V8 could not hold (its limit is about 2^29 characters), each built by one call
  joinString: () => `s = 'x' * 90000\nt = ''.join([s] * 90000)\n${MODEL_TAIL}`,
  replaceString: () => `s = 'x' * 90000\nt = s.replace('', s)\n${MODEL_TAIL}`,
  formatWidth: () => `t = '{:>900000000}'.format(1)\n${MODEL_TAIL}`,
  percentFields: () => `s = 'x' * 90000\nt = ('%s' * 30000) % tuple([s] * 30000)\n${MODEL_TAIL}`,
  fstringFields: () => `s = 'x' * 90000\nt = f'${'{s}'.repeat(30000)}'\n${MODEL_TAIL}`,
  repeatString: () => `t = 'ab' * 900000000\n${MODEL_TAIL}`,
  zeroStride: () => 'import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 8, 3, stride=0))\n',
  hugeSequential: () => `import torch.nn as nn\nm = nn.Sequential(${Array(20000).fill('nn.ReLU()').join(', ')})\n`,
  endlessLoop: () => `import torch.nn as nn\nwhile True:\n    pass\n${MODEL_TAIL}`,
  mixedTabs: () => 'import torch.nn as nn\nif True:\n        x = 1\n\ty = 2\nm = nn.Sequential(nn.ReLU())\n',
  /** Bytes, not text: invalid UTF-8. */
  invalidUtf8: () => Buffer.concat([Buffer.from('import torch.nn as nn\n# '), Buffer.from([0xff, 0xfe]), Buffer.from('\nm = nn.Sequential(nn.ReLU())\n')]),
  nulBytes: () => Buffer.from(`${MODEL_TAIL}\0\0`),
  escapeNames: () => 'import torch.nn as nn\nfrom collections import OrderedDict\n' +
    "m = nn.Sequential(OrderedDict([('\\x1b[31mred\\n[link](http://x) ![i](http://x/i.png) $(zap)', nn.ReLU())]))\n",
};

/** Writes every file generator into `dir` (the socket is left out: it needs a live server). */
export function allHostileFiles(dir, { mib = 256 } = {}) {
  mkdirSync(dir, { recursive: true });
  const files = {};
  for (const [name, make] of Object.entries(checkpoints)) files[name] = make(dir, mib);
  for (const [name, make] of Object.entries(safetensorsFiles)) files[name] = make(dir);
  for (const [name, make] of Object.entries(images)) files[name] = make(dir, mib);
  files.fifo = special.fifo(dir);
  files.sparse = special.sparse(dir);
  files.deepLabels = special.deepLabels(dir);
  files.escapeLabels = special.escapeLabels(dir);
  for (const [name, make] of Object.entries(python)) {
    const file = join(dir, `${name}.py`);
    writeFileSync(file, make());
    files[name] = file;
  }
  return files;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node tools/make-hostile-files.mjs DIR [--mib N]');
    process.exit(2);
  }
  const at = process.argv.indexOf('--mib');
  const files = allHostileFiles(dir, { mib: at > 0 ? Number(process.argv[at + 1]) : 256 });
  for (const [name, file] of Object.entries(files)) console.log(`${name}\t${file}`);
}
