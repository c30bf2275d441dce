/**
 * torchvision.datasets.ImageFolder's rules (torchvision 0.14, datasets/folder.py), without the file system: the
 * classes are the subfolders in sorted order, the samples each class folder's files (walked recursively, sorted)
 * whose names end with one of IMG_EXTENSIONS, case-insensitively; its errors in its own words.
 */

/** torchvision.datasets.folder.IMG_EXTENSIONS. */
export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

export class DataError extends Error {
  override readonly name = 'DataError';
}

/** has_file_allowed_extension: filename.lower().endswith(IMG_EXTENSIONS). */
export function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMG_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Python's sorted() on str: by code point (JS's default sort compares UTF-16 units, which differs above U+FFFF). */
export function pySorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
}

/** One directory of a class folder's walk: its path and the names of the files directly in it. */
export interface WalkedDir {
  path: string;
  files: string[];
}

export interface FolderSample {
  path: string;
  label: number;
}

/**
 * find_classes + make_dataset. `classDirs` are the subfolder names of `root`; `walk(cls)` gives every directory
 * of that class folder's os.walk (in any order). Throws torchvision's FileNotFoundError messages.
 */
export function imageFolderSamples(root: string, classDirs: string[], walk: (cls: string) => WalkedDir[]): { classes: string[]; samples: FolderSample[] } {
  const classes = pySorted(classDirs);
  if (classes.length === 0) throw new DataError(`Couldn't find any class folder in ${root}.`);
  const samples: FolderSample[] = [];
  const empty: string[] = [];
  classes.forEach((cls, label) => {
    const dirs = walk(cls);
    const byPath = new Map(dirs.map((d) => [d.path, d]));
    let found = 0;
    for (const path of pySorted(byPath.keys())) {
      for (const name of pySorted(byPath.get(path)!.files)) {
        if (!hasImageExtension(name)) continue;
        samples.push({ path: `${path}/${name}`, label });
        found++;
      }
    }
    if (found === 0) empty.push(cls);
  });
  if (empty.length > 0) {
    throw new DataError(`Found no valid file for the classes ${pySorted(empty).join(', ')}. Supported extensions are: ${IMG_EXTENSIONS.join(', ')}`);
  }
  return { classes, samples };
}
