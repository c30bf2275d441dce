// torchvision as the analysis knows it: the project's own definitions of its classic classification models and
// building blocks (the .py files beside this one, in the subset the evaluator reads), resolved like the model's
// own modules, so `import torchvision.models as models; models.resnet18()` builds torchvision 0.14's tree.
import type { ModuleResolver, ModuleSource } from '../imports';
import { TORCHVISION_SOURCES } from './sources';

/** The absolute module name of an import at `level` from a built-in file (`torchvision/models/resnet.py`). */
function absoluteName(fromFile: string | undefined, dotted: string, level: number): string | null {
  if (level === 0) return dotted;
  if (!fromFile?.startsWith('torchvision/')) return null;
  const pkg = fromFile.replace(/\.py$/, '').split('/').slice(0, -1);
  if (level - 1 > pkg.length - 1) return null;
  const base = pkg.slice(0, pkg.length - (level - 1));
  return [...base, ...(dotted ? dotted.split('.') : [])].join('.');
}

/** torchvision's modules first, then the caller's resolver for the model's own files. */
export function withTorchvision(own?: ModuleResolver): ModuleResolver {
  return (fromFile, dotted, level) => {
    const name = absoluteName(fromFile, dotted, level);
    if (name !== null && (name === 'torchvision' || name.startsWith('torchvision.'))) return TORCHVISION_SOURCES[name] ?? null;
    if (fromFile?.startsWith('torchvision/')) return null;
    return own ? own(fromFile, dotted, level) : null;
  };
}

export function isTorchvisionModule(dotted: string): boolean {
  return dotted === 'torchvision' || dotted.startsWith('torchvision.');
}

export type { ModuleSource };
