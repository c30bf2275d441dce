// Loads one command of the CLI. Built (dist/cli.js), each command is its own bundle in dist/cli/NAME.js, compiled
// with V8's code cache kept in the user's cache folder: a start that answers in about the time of `node -e 0`
// (npm run bench). From source (tsx), the command's module is required as is.
//
// The cache is an optimisation and never a failure: it is used only when its own CRC-32 and length check out and
// it was made for these very bundle bytes, this Node and these flags (the key in its name); V8 refuses a cache of another
// V8 or flag set itself (cachedDataRejected), and a refused, stale, corrupt or unwritable cache is ignored and made
// again. ALEXNET_EXPLORER_CACHE=off turns it off; ALEXNET_EXPLORER_CACHE=DIR puts it in DIR.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import * as zlib from 'node:zlib';

export interface LoadedCommand<T> {
  exports: T;
  /** How it was compiled: from the code cache, from source (no cache yet, or one V8 refused or that did not check out), or with the cache off. */
  cache: 'used' | 'made' | 'off';
  /** Writes the code cache when there was none or V8 refused it: call when the command is done (it then holds every function the run compiled). */
  done(): void;
}

const MAGIC = Buffer.from('AXV8CC1\n');
/** After the magic: the payload's length and CRC-32 (zlib.crc32: node:crypto costs a few ms more to load). */
const HEADER = MAGIC.length + 8;

/** The command module NAME in the CLI's folder `base` (src/ or dist/): its bundle cli/NAME.js, else the source module cli/NAME.ts. */
export function loadCommand<T>(base: string, name: string): LoadedCommand<T> {
  const bundle = join(base, 'cli', `${name}.js`);
  if (!existsSync(bundle)) return { exports: require(join(base, 'cli', name)) as T, cache: 'off', done: () => {} };
  return loadBundle<T>(bundle);
}

/** The user's cache folder for the code cache, or null when turned off (or when there is no home folder to put it in). */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home?: string): string | null {
  const setting = env.ALEXNET_EXPLORER_CACHE;
  if (setting !== undefined && /^(off|0|false|no)?$/i.test(setting.trim())) return null;
  if (setting) return setting;
  try {
    home ??= homedir();
  } catch {
    return null;
  }
  const base = platform === 'win32' ? env.LOCALAPPDATA || join(home, 'AppData', 'Local')
    : platform === 'darwin' ? join(home, 'Library', 'Caches')
    : env.XDG_CACHE_HOME || join(home, '.cache');
  return join(base, 'alexnet-explorer', 'v8-cache');
}

/** A CommonJS bundle run as Node would require it, its compilation from (and into) the code cache. */
export function loadBundle<T>(file: string, folder = cacheFolder()): LoadedCommand<T> {
  const bytes = readFileSync(file);
  const source = bytes.toString('utf8');
  const name = basename(file, '.js');
  // zlib.crc32 is Node >= 20.15: an older Node compiles from source every time
  const crc32 = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;
  const runtime = `${process.version} ${process.arch} ${process.versions.v8} ${process.execArgv.join(' ')}`;
  const cacheFile = folder === null || !crc32 ? null : join(folder, `${name}-${hex(crc32(bytes))}${hex(bytes.length)}${hex(crc32(runtime))}.bin`);
  const cached = cacheFile === null || !crc32 ? undefined : readCache(cacheFile, crc32);
  // Node's own CommonJS wrapper, so that the bundle sees exports, require, module, __filename and __dirname
  const wrapper = `(function (exports, require, module, __filename, __dirname) { ${source.startsWith('#!') ? '//' : ''}${source}\n})`;
  const script = new Script(wrapper, { filename: file, cachedData: cached });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const fresh = cached === undefined || script.cachedDataRejected === true;
  return {
    exports: module.exports,
    cache: cacheFile === null ? 'off' : fresh ? 'made' : 'used',
    done: () => {
      if (cacheFile !== null && crc32 && fresh) writeCache(cacheFile, name, crc32, () => script.createCachedData());
    },
  };
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** The cache's V8 data when the file is whole (magic, the data's length and CRC-32, the data), else undefined. */
function readCache(file: string, crc32: (data: Uint8Array) => number): Buffer | undefined {
  try {
    const data = readFileSync(file);
    if (data.length <= HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const payload = data.subarray(HEADER);
    if (data.readUInt32LE(MAGIC.length) !== payload.length || data.readUInt32LE(MAGIC.length + 4) !== crc32(payload) >>> 0) return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

/** Writes the cache whole or not at all (a temporary file renamed over it), and drops this bundle's other caches. */
function writeCache(file: string, name: string, crc32: (data: Uint8Array) => number, make: () => Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const payload = make();
    const folder = dirname(file);
    mkdirSync(folder, { recursive: true });
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header);
    header.writeUInt32LE(payload.length, MAGIC.length);
    header.writeUInt32LE(crc32(payload) >>> 0, MAGIC.length + 4);
    writeFileSync(temp, Buffer.concat([header, payload]));
    renameSync(temp, file);
    for (const other of readdirSync(folder)) {
      if (other !== basename(file) && other.startsWith(`${name}-`) && other.endsWith('.bin')) unlinkSync(join(folder, other));
    }
  } catch {
    // a read-only or full disk: the next start compiles from source again
    try {
      unlinkSync(temp);
    } catch {
      // never written
    }
  }
}
