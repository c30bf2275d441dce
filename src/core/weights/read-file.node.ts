/** Node-only: reads a checkpoint file from disk. The readers themselves take bytes and run in browsers too. */
import { readFileSync } from 'node:fs';
import type { Checkpoint } from './checkpoint';
import { WeightsError } from './errors';
import { readCheckpoint } from './index';
import type { ReadOptions } from './pth';

export function readCheckpointFile(path: string, options: ReadOptions = {}): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new WeightsError('not-a-checkpoint', path, `could not be opened (${reason})`);
  }
  return readCheckpoint(bytes, path, options);
}
