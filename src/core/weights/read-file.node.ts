/** Node-only: reads a checkpoint file from disk. The readers themselves take bytes and run in browsers too. */
import { FILE_LIMITS, FileReadError, readFileBounded } from '../read-file.node';
import type { Checkpoint } from './checkpoint';
import { WeightsError } from './errors';
import { readCheckpoint } from './index';
import type { ReadOptions } from './pth';

export function readCheckpointFile(path: string, options: ReadOptions = {}): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(path, FILE_LIMITS.weights, 'a checkpoint');
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    throw new WeightsError('unreadable', path, error.detail);
  }
  return readCheckpoint(bytes, path, options);
}
