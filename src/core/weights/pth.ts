/** Reader for `torch.save` files (the zip format of torch >= 1.6), without Python. */
import { type Checkpoint, describeKey, selectStateDict, stripDataParallelPrefix } from './checkpoint';
import { WeightsError, guarded } from './errors';
import { PickledTensor, PyDict, StorageRef, storageDtype, unpickle } from './pickle';
import { ITEM_SIZE, type Tensor, TensorBudget, aligned, elementCount, viewOrGather } from './tensor';
import { type ZipEntry, looksLikeZip, readZipDirectory, readZipEntry } from './zip';

export interface ReadOptions {
  /** Largest data.pkl accepted, uncompressed (default 64 MiB). */
  maxPickleBytes?: number;
  /** Slack allowed between a storage entry's size and what its persistent id declares (default 64 KiB). */
  storageSlackBytes?: number;
  /** Deepest container nesting accepted in data.pkl (default 256). */
  maxDepth?: number;
  /** Most bytes of storage one file may hold, all storages together (default 2 GiB). */
  maxStorageBytes?: number;
  /** Most objects data.pkl may create (default 2,000,000). */
  maxPickleObjects?: number;
}

/** The default of ReadOptions.maxStorageBytes: room for VGG-19 in float32 (548 MB) and then some. */
export const MAX_STORAGE_BYTES = 2 ** 31;

/** torch < 1.6 (and `_use_new_zipfile_serialization=False`) starts with this pickled magic number. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

const LEGACY_ADVICE =
  'is in the legacy (pre-1.6) torch.save format, which is not supported. Re-save it with PyTorch: ' +
  "torch.save(torch.load(path, map_location='cpu'), new_path, _use_new_zipfile_serialization=True) " +
  '(the default since PyTorch 1.6).';

export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  return bytes.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** Reads a `torch.save` checkpoint into its state_dict. Every failure is a WeightsError naming `file`. */
export function readPth(bytes: Uint8Array, file: string, options: ReadOptions = {}): Checkpoint {
  return guarded(file, () => readPthUnguarded(bytes, file, options));
}

function readPthUnguarded(bytes: Uint8Array, file: string, options: ReadOptions): Checkpoint {
  if (isLegacyTorchFile(bytes)) throw new WeightsError('legacy-format', file, LEGACY_ADVICE);
  if (!looksLikeZip(bytes)) {
    const detail =
      bytes[0] === 0x80
        ? 'is a bare pickle, not a torch.save checkpoint (a zip archive); save it with torch.save(state_dict, path)'
        : 'is not a PyTorch checkpoint: a .pth written by torch.save is a zip archive, and this file is not one';
    throw new WeightsError('not-a-checkpoint', file, detail);
  }
  const entries = readZipDirectory(bytes, file);
  const names = [...entries.keys()];
  const pickleName = names.find((name) => /^[^/]+\/data\.pkl$/.test(name));
  const root = pickleName ? pickleName.slice(0, -'data.pkl'.length) : (names[0]?.split('/')[0] ?? '') + '/';
  if (entries.has(`${root}constants.pkl`) || names.some((name) => name.startsWith(`${root}code/`))) {
    throw new WeightsError(
      'torchscript',
      file,
      'is a TorchScript archive (torch.jit.save), which is not supported; save the weights with torch.save(model.state_dict(), path)',
    );
  }
  if (!pickleName) {
    throw new WeightsError('not-a-checkpoint', file, 'is a zip archive without data.pkl: not a torch.save checkpoint');
  }
  const byteOrderEntry = entries.get(`${root}byteorder`);
  let littleEndian = true;
  if (byteOrderEntry) {
    const order = new TextDecoder().decode(readZipEntry(bytes, byteOrderEntry, file, 16)).trim();
    if (order !== 'little' && order !== 'big') throw new WeightsError('corrupt', file, `declares an unknown byte order '${order}'`);
    littleEndian = order === 'little';
  }

  const member = pickleName;
  const maxPickleBytes = options.maxPickleBytes ?? 64 << 20;
  const pickled = readZipEntry(bytes, entries.get(pickleName)!, file, maxPickleBytes, `data.pkl may have at most ${maxPickleBytes}`);
  const storages = new Map<string, StorageRef>();
  const top = unpickle(pickled, {
    file,
    member,
    maxDepth: options.maxDepth,
    maxObjects: options.maxPickleObjects,
    persistentLoad: (pid) => storageReference(pid, storages, file, member),
  });
  if (top instanceof PickledTensor) {
    throw new WeightsError('no-state-dict', file, 'holds a single tensor, not a dict of tensors (a state_dict)');
  }
  const { dict, source, ignoredKeys } = selectStateDict(top, (value) => value instanceof PickledTensor, file);

  const checkpoint: Checkpoint = {
    format: 'pth',
    file,
    tensors: new Map(),
    source,
    ignoredKeys,
    strippedPrefix: null,
    moduleMetadata: dict instanceof PyDict ? moduleMetadata(dict.state) : null,
    fileMetadata: null,
    notes: [],
  };
  if (source !== null) {
    checkpoint.notes.push(
      `Read the weights from checkpoint['${source}']` + (ignoredKeys.length ? `; ignored ${ignoredKeys.map((k) => `'${k}'`).join(', ')}.` : '.'),
    );
  }
  const skipped: string[] = [];
  const storageBytes = new Map<string, Uint8Array>();
  const slack = options.storageSlackBytes ?? 64 << 10;
  // one budget for the whole file: each storage is read once and shared by its views
  const budget = new TensorBudget(file, options.maxStorageBytes ?? MAX_STORAGE_BYTES);
  for (const [key, value] of dict) {
    if (typeof key !== 'string' || !(value instanceof PickledTensor)) {
      if (skipped.length < 20) skipped.push(describeKey(key));
      else if (skipped.length === 20) skipped.push('...');
      continue;
    }
    let data = storageBytes.get(value.storage.key);
    if (!data) {
      data = readStorage(bytes, entries, root, value.storage, file, slack, budget);
      storageBytes.set(value.storage.key, data);
    }
    checkpoint.tensors.set(key, materialize(key, value, data, littleEndian, file, budget));
  }
  if (skipped.length) checkpoint.notes.push(`Skipped entries that are not tensors: ${skipped.join(', ')}.`);
  stripDataParallelPrefix(checkpoint);
  return checkpoint;
}

/** torch's persistent id: ('storage', storage_type, key, location, numel). */
function storageReference(pid: unknown, storages: Map<string, StorageRef>, file: string, member: string): StorageRef {
  const malformed = (why: string): never => {
    throw new WeightsError('bad-pickle', file, `${member} holds a malformed storage reference: ${why}`);
  };
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') return malformed("not ('storage', type, key, location, size)");
  const [, type, key, location, size] = pid as unknown[];
  const dtype = storageDtype(type);
  if (dtype === undefined) return malformed('its storage type is not a torch storage class');
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) return malformed(`its key ${JSON.stringify(key)} is not a plain name`);
  if (typeof location !== 'string') return malformed('its location is not a string');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return malformed('its size is not a non-negative integer');
  const known = storages.get(key);
  if (known) {
    if (known.dtype !== dtype || known.size !== size) malformed(`storage ${key} is declared twice with different types or sizes`);
    return known;
  }
  const ref = new StorageRef(key, dtype, size, location);
  storages.set(key, ref);
  return ref;
}

function readStorage(
  bytes: Uint8Array,
  entries: Map<string, ZipEntry>,
  root: string,
  ref: StorageRef,
  file: string,
  slack: number,
  budget: TensorBudget,
): Uint8Array {
  const name = `${root}data/${ref.key}`;
  const entry = entries.get(name);
  if (!entry) throw new WeightsError('corrupt', file, `lacks the zip entry ${name} that storage ${ref.key} refers to`);
  const needed = ref.dtype === 'untyped' ? ref.size : ref.size * ITEM_SIZE[ref.dtype];
  const kind = ref.dtype === 'untyped' ? 'bytes' : `${ref.dtype} elements`;
  if (entry.size < needed) {
    throw new WeightsError(
      'storage-too-short',
      file,
      `storage ${ref.key} (${name}) holds ${entry.size} bytes, but the pickle declares ${ref.size} ${kind} (${needed} bytes)`,
    );
  }
  if (!budget.addStorage(needed)) {
    throw new WeightsError(
      'unsupported',
      file,
      `its storages need more than ${budget.maxStorageBytes} bytes in all (storage ${ref.key} adds ${needed}); ` +
        'a model this large cannot be loaded here',
    );
  }
  // declared sizes are checked before inflating: nothing beyond what the pickle's storages need is ever inflated
  return aligned(readZipEntry(bytes, entry, file, needed + slack, `its storage needs ${needed}`));
}

function materialize(
  key: string,
  pickled: PickledTensor,
  storage: Uint8Array,
  littleEndian: boolean,
  file: string,
  budget: TensorBudget,
): Tensor {
  const { dtype, offset, shape, stride } = pickled;
  const itemSize = ITEM_SIZE[dtype];
  const ref = pickled.storage;
  const available = ref.dtype === 'untyped' ? Math.floor(ref.size / itemSize) : ref.size;
  const count = elementCount(shape);
  if (count > 0) {
    let last = offset;
    for (let dim = 0; dim < shape.length; dim++) last += (shape[dim] - 1) * stride[dim];
    if (last >= available) {
      throw new WeightsError(
        'storage-too-short',
        file,
        `tensor '${key}' (shape [${shape.join(', ')}], offset ${offset}, strides [${stride.join(', ')}]) reaches element ${last} ` +
          `of storage ${ref.key}, which holds ${available}`,
      );
    }
    // a view with zero strides (expand) may select far more elements than its storage holds
    if (count * itemSize > Math.max(available * itemSize, 256 << 20)) {
      throw new WeightsError('unsupported', file, `tensor '${key}' would expand to ${count} elements; refusing to materialize it`);
    }
  }
  if (ref.dtype !== 'untyped' && ref.dtype !== dtype) {
    throw new WeightsError('bad-pickle', file, `tensor '${key}' is ${dtype} but its storage ${ref.key} is ${ref.dtype}`);
  }
  return viewOrGather(storage, littleEndian, dtype, offset, shape, stride, budget);
}

/** `_metadata` of an OrderedDict state_dict: module path -> {version: n}. */
function moduleMetadata(state: unknown): Map<string, Record<string, unknown>> | null {
  if (!(state instanceof Map)) return null;
  const metadata = state.get('_metadata');
  if (!(metadata instanceof Map)) return null;
  const out = new Map<string, Record<string, unknown>>();
  for (const [path, value] of metadata) {
    if (typeof path !== 'string' || !(value instanceof Map)) continue;
    const record: Record<string, unknown> = {};
    for (const [name, field] of value) if (typeof name === 'string') record[name] = field;
    out.set(path, record);
  }
  return out;
}
