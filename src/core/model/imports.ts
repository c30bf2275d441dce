// Imports of the model's own package: `from .utils import _make_divisible`, `from models.resnet import BasicBlock`,
// `import models.blocks as B`. The core stays pure: a resolver the caller supplies reads the files (the CLI from
// disk, the editor from the workspace); the evaluator runs each module once, as Python's sys.modules does.
import type * as ast from '../python/ast';
import type { SourceRange } from '../types';

/** A module's source found by a resolver: its path (as the caller names files) and its text. */
export interface ModuleSource {
  file: string;
  text: string;
}

/**
 * Finds the source of `dottedName` imported from `fromFile` (undefined: the analysed text has no file) with
 * Python's `level` (0 absolute, 1 for `.`, 2 for `..`); null when there is no such file.
 */
export type ModuleResolver = (fromFile: string | undefined, dottedName: string, level: number) => ModuleSource | null;

/** Packages that are never the model's own files: their names stay references the evaluator knows by name. */
const EXTERNAL = new Set([
  'torch', 'alexnet_explorer', 'numpy', 'math', 'typing', 'collections', 'functools', 'warnings', 'logging', 'os', 'sys', 'itertools',
  're', 'copy', 'time', 'json', 'random', 'argparse', 'PIL', 'matplotlib', 'scipy', 'tqdm', 'pathlib', 'dataclasses', 'abc', 'enum',
  'types', '__future__', 'numbers', 'inspect', 'operator', 'pickle', 'shutil', 'datetime', 'glob', 'timm', 'torchsummary', 'torchinfo',
  'thop', 'sklearn', 'pandas', 'cv2', 'yaml', 'einops', 'tensorboardX', 'wandb', 'fvcore', 'ptflops',
]);

/** Whether an absolute import may be one of the model's own files (or torchvision, which the analysis ships). */
export function mayBeOwnModule(dottedName: string): boolean {
  return !EXTERNAL.has(dottedName.split('.')[0]);
}

/** Imports followed at most this deep, and this many files in one analysis: a cycle or a huge package stays bounded. */
export const MAX_IMPORT_DEPTH = 8;
export const MAX_IMPORTED_FILES = 64;

/** Marks every range of an imported file's AST with its file, so that what is reported there can say where. */
export function stampFile(mod: ast.Module, file: string): void {
  const pending: unknown[] = [mod];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const node = pending.pop();
    if (!node || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) { for (const x of node) pending.push(x); continue; }
    for (const [key, v] of Object.entries(node)) {
      if ((key === 'range' || key === 'attrRange' || key === 'nameRange') && v && typeof v === 'object') (v as SourceRange).file = file;
      else if (v && typeof v === 'object') pending.push(v);
    }
  }
}

/** The file a path names, for messages: its last two parts (`models/resnet.py`). */
export function shortFile(file: string): string {
  return file.split(/[\\/]/).slice(-2).join('/');
}
