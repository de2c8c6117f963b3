/**
 * Which files of a dropped or picked folder are test images, with their labels and masks — the rules of
 * the CLI's dataset scan (cli/lib/dataset.ts), on relative paths instead of the file system:
 *
 *   MVTec layout   …/test/good/*                          good       (label 0)
 *                  …/test/<defect>/*                      defective  (label 1)
 *                  …/ground_truth/<defect>/<stem>_mask.png (or <stem>.png) next to that test/ folder
 *   plain folders  …/good/* and …/<any other folder>/*    the same labels, no masks
 *
 * The MVTec layout applies as soon as a test/ folder holds images; then train/ and anything else is
 * ignored. Images end in .png, .jpg or .jpeg (any case), names starting with '.' are skipped, and the
 * items are sorted by path in code-unit order (the CLI's order). Pure TS.
 */

export const EVAL_IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

export interface LabelledItem {
  /** Path relative to the dropped folder's parent, '/'-separated (as webkitRelativePath). */
  path: string;
  /** 'good' or the defect folder's name. */
  defect: string;
  label: 0 | 1;
  /** Path of the ground-truth mask (one of the given paths), or null. */
  maskPath: string | null;
}

export interface LabelledFolder {
  layout: 'mvtec' | 'folders';
  items: LabelledItem[];
  /** Defect folder names, sorted. */
  defects: string[];
}

export class LabelledFolderError extends Error {
  override readonly name = 'LabelledFolderError';
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isEvalImageName(name: string): boolean {
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  return dot > 0 && EVAL_IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Labels the images among `paths` ('/'-separated relative paths). Throws LabelledFolderError when nothing can be evaluated. */
export function labelFolder(paths: readonly string[]): LabelledFolder {
  const split = paths.map((p) => p.replace(/\\/g, '/').split('/').filter((s) => s.length > 0));
  const images = split.filter((parts) => parts.length >= 2 && isEvalImageName(parts[parts.length - 1]));
  const inTest = images.filter((parts) => parts.length >= 3 && parts[parts.length - 3] === 'test');
  const items: LabelledItem[] = [];
  let layout: LabelledFolder['layout'];
  if (inTest.length > 0) {
    layout = 'mvtec';
    // Masks keyed by "<root>/ground_truth/<defect>/<lower-cased name>".
    const masks = new Map<string, string>();
    for (const parts of images) {
      if (parts.length >= 3 && parts[parts.length - 3] === 'ground_truth') {
        masks.set(`${parts.slice(0, -1).join('/')}/${parts[parts.length - 1].toLowerCase()}`, parts.join('/'));
      }
    }
    for (const parts of inTest) {
      const defect = parts[parts.length - 2];
      const good = defect === 'good';
      let maskPath: string | null = null;
      if (!good) {
        const dir = [...parts.slice(0, -3), 'ground_truth', defect].join('/');
        const stem = stemOf(parts[parts.length - 1]).toLowerCase();
        maskPath = masks.get(`${dir}/${stem}_mask.png`) ?? masks.get(`${dir}/${stem}.png`) ?? null;
      }
      items.push({ path: parts.join('/'), defect, label: good ? 0 : 1, maskPath });
    }
  } else {
    layout = 'folders';
    for (const parts of images) {
      const defect = parts[parts.length - 2];
      if (defect === 'ground_truth' || parts.includes('ground_truth')) continue;
      items.push({ path: parts.join('/'), defect, label: defect === 'good' ? 0 : 1, maskPath: null });
    }
  }
  items.sort((a, b) => byCodeUnit(a.path, b.path));
  const hasGood = items.some((i) => i.label === 0);
  const hasDefect = items.some((i) => i.label === 1);
  if (items.length === 0) throw new LabelledFolderError('no images (.png, .jpg, .jpeg) found: drop a category folder (test/good, test/<defect>) or a folder with good/ and defect/ folders');
  if (!hasGood || !hasDefect) {
    throw new LabelledFolderError(`the folder needs both good and defective images for AUROC (found ${hasGood ? 'only good' : 'only defective'} ones: put good ones in a "good" folder, defective ones in another)`);
  }
  const defects = [...new Set(items.filter((i) => i.label === 1).map((i) => i.defect))].sort(byCodeUnit);
  return { layout, items, defects };
}
