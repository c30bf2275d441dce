// A checkpoint file as the classify, export and train commands read it, with their exit statuses.
import { existsSync } from 'node:fs';
import type { WeightsSource } from '../core/classifier';
import { WeightsError } from '../core/weights';
import { readCheckpointFile } from '../core/weights/read-file.node';
import { ExitError } from './common';

export function weightsSource(weightsFile: string): WeightsSource {
  return {
    file: weightsFile,
    read: () => {
      try {
        return readCheckpointFile(weightsFile);
      } catch (e) {
        if (e instanceof WeightsError) throw new ExitError(e.message, e.code === 'unreadable' || (e.code === 'not-a-checkpoint' && !existsSync(weightsFile)) ? 2 : 1);
        throw e;
      }
    },
  };
}
