/** Why a checkpoint could not be read; every failure of src/core/weights is one of these. */
import { escapeControls } from '../text';
export type WeightsErrorCode =
  | 'not-a-checkpoint'
  /** The file could not be read at all: missing, not a regular file, over the size limit. */
  | 'unreadable'
  | 'legacy-format'
  | 'torchscript'
  | 'truncated'
  | 'corrupt'
  | 'zip-bomb'
  | 'unsupported'
  | 'bad-pickle'
  | 'forbidden-global'
  | 'too-deep'
  | 'storage-too-short'
  | 'no-state-dict'
  | 'bad-safetensors';

export class WeightsError extends Error {
  override readonly name = 'WeightsError';
  constructor(
    readonly code: WeightsErrorCode,
    /** The file the error is about, as the caller named it. */
    readonly file: string,
    /** The message without the file name in front. */
    readonly detail: string,
  ) {
    // one line whatever the file holds: names read from it cannot forge output lines
    super(`${file}: ${escapeControls(detail)}`);
  }
}

/** Runs `read`, turning anything that is not a WeightsError (RangeError, allocation failure...) into one. */
export function guarded<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new WeightsError('corrupt', file, `could not be read: ${reason}`);
  }
}
