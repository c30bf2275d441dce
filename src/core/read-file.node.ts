/**
 * Node-only: reads a file the user named, safely. Only regular files are read (a FIFO would block forever, a
 * device such as /dev/zero never ends, a socket cannot be read), and at most `maxBytes`, counted while reading:
 * a file's stat size may be 0 (/proc) or change while it is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export type FileReadProblem = 'missing' | 'not-a-file' | 'too-large' | 'unreadable';

export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    readonly problem: FileReadProblem,
    readonly file: string,
    /** The message without the file name in front. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** The limits on files read whole, by what they are. */
export const FILE_LIMITS = {
  image: 128 << 20,
  weights: 2 ** 31,
  labels: 16 << 20,
  source: 5 << 20,
} as const;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const describeLimit = (bytes: number): string => (bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`);

/** The whole file, or a FileReadError saying in one line why not. `what` names the expected content ("an image"). */
export function readFileBounded(path: string, maxBytes: number, what: string): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileReadError('missing', path, `no such file (expected ${what})`);
    if (code === 'ENXIO') throw new FileReadError('not-a-file', path, `is a socket, not a regular file (expected ${what})`);
    throw new FileReadError('unreadable', path, `could not be opened (${code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileReadError('not-a-file', path, `is ${kindOf(stats)}, not a regular file (expected ${what})`);
    const tooLarge = () =>
      new FileReadError('too-large', path, `is larger than ${describeLimit(maxBytes)}, the limit for ${what}; refusing to read it`);
    if (stats.size > maxBytes) throw tooLarge();
    let buffer = new Uint8Array(Math.min(stats.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > maxBytes) throw tooLarge();
        const grown = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
        grown.set(buffer);
        buffer = grown;
      }
      const read = readSync(fd, buffer, total, buffer.length - total, null);
      if (read === 0) break;
      total += read;
    }
    if (total > maxBytes) throw tooLarge();
    return buffer.subarray(0, total);
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileReadError('unreadable', path, `could not be read (${code ?? (error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
