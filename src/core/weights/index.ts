/**
 * PyTorch checkpoints without Python: `torch.save` zip files through an allow-listed unpickler, and
 * safetensors. Works on bytes (Node or browser); src/core/weights/read-file.node.ts reads files in Node.
 */
import type { Checkpoint } from './checkpoint';
import { WeightsError, guarded } from './errors';
import { type ReadOptions, isLegacyTorchFile, readPth } from './pth';
import { looksLikeSafetensors, readSafetensors } from './safetensors';
import { looksLikeZip } from './zip';

export { type BindOptions, type BindResult, type ExpectedModule, type SizeMismatch, bindStateDict } from './bind';
export { type Checkpoint, STATE_DICT_WRAPPERS } from './checkpoint';
export { WeightsError, type WeightsErrorCode } from './errors';
export { unpickle, PickledTensor, PyDict, PyGlobal, StorageRef, NumpyDtype, type UnpickleOptions } from './pickle';
export { type ReadOptions, readPth } from './pth';
export { readSafetensors } from './safetensors';
export {
  type DType,
  type Tensor,
  type TensorData,
  ITEM_SIZE,
  elementCount,
  formatTorchSize,
  halfToNumber,
  toFloat32,
  toFloat64,
} from './tensor';

/** Reads a checkpoint of either format, told apart by its first bytes, not by its name. */
export function readCheckpoint(bytes: Uint8Array, file: string, options: ReadOptions = {}): Checkpoint {
  return guarded(file, () => {
    // safetensors first: its header length may well start with 0x80, a pickle's first byte
    if (looksLikeSafetensors(bytes)) return readSafetensors(bytes, file);
    if (looksLikeZip(bytes) || isLegacyTorchFile(bytes) || bytes[0] === 0x80) return readPth(bytes, file, options);
    throw new WeightsError(
      'not-a-checkpoint',
      file,
      'is not a PyTorch checkpoint: neither a torch.save zip archive (.pth/.pt) nor a .safetensors file',
    );
  });
}
