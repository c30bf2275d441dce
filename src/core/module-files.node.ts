// Node-only: the resolver of a model's own modules on disk (`from .utils import f`, `from models.resnet import
// BasicBlock`), for analyzeSource's `readModule`. Files are read with the bounded reader: regular files only,
// at most FILE_LIMITS.source bytes.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ModuleResolver, ModuleSource } from './model/imports';
import { FILE_LIMITS, readFileBounded } from './read-file.node';

/** Folders above the file an absolute import is looked for in (main.py beside models/, or a file inside models/). */
const ABSOLUTE_ROOTS = 3;

/** The folders `dotted` may be found under, for an import at `level` from `fromFile`. */
export function moduleRoots(fromFile: string, level: number): string[] {
  let dir = dirname(resolve(fromFile));
  if (level > 0) {
    for (let i = 1; i < level; i++) dir = dirname(dir);
    return [dir];
  }
  const roots: string[] = [];
  for (let i = 0; i < ABSOLUTE_ROOTS; i++) {
    roots.push(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return roots;
}

/** The candidate files of a module under a root: `a/b.py`, then the package `a/b/__init__.py`. */
export function moduleCandidates(root: string, dotted: string): string[] {
  const parts = dotted ? dotted.split('.') : [];
  const stem = join(root, ...parts);
  return parts.length ? [`${stem}.py`, join(stem, '__init__.py')] : [join(stem, '__init__.py')];
}

/** Reads sibling modules from disk; `read` is replaceable for an editor that has the text of open files. */
export function diskModules(read: (file: string) => string | null = readModuleFile): ModuleResolver {
  return (fromFile, dotted, level) => {
    if (!fromFile) return null;
    for (const root of moduleRoots(fromFile, level)) {
      for (const file of moduleCandidates(root, dotted)) {
        const text = read(file);
        if (text !== null) return { file, text } satisfies ModuleSource;
      }
    }
    return null;
  };
}

/** A module's text, or null when there is no regular file of a readable size there. */
export function readModuleFile(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    return new TextDecoder().decode(readFileBounded(file, FILE_LIMITS.source, 'a Python module (.py)'));
  } catch {
    return null;
  }
}
