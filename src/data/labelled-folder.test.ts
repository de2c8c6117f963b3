import { describe, expect, it } from 'vitest';
import { labelFolder } from './labelled-folder';

describe('labelFolder', () => {
  it('MVTec layout: labels from test/<folder>, masks from ground_truth (<stem>_mask.png or <stem>.png), train ignored', () => {
    const f = labelFolder([
      'bottle/train/good/000.png',
      'bottle/test/good/001.png',
      'bottle/test/good/000.png',
      'bottle/test/broken/000.png',
      'bottle/test/broken/001.PNG',
      'bottle/test/broken/002.jpg',
      'bottle/test/crack/000.png',
      'bottle/test/crack/.hidden.png',
      'bottle/test/crack/notes.txt',
      'bottle/ground_truth/broken/000_mask.png',
      'bottle/ground_truth/broken/001.png',
      'bottle/ground_truth/crack/000_mask.png',
      'bottle/license.txt',
    ]);
    expect(f.layout).toBe('mvtec');
    expect(f.defects).toEqual(['broken', 'crack']);
    expect(f.items).toEqual([
      { path: 'bottle/test/broken/000.png', defect: 'broken', label: 1, maskPath: 'bottle/ground_truth/broken/000_mask.png' },
      { path: 'bottle/test/broken/001.PNG', defect: 'broken', label: 1, maskPath: 'bottle/ground_truth/broken/001.png' },
      { path: 'bottle/test/broken/002.jpg', defect: 'broken', label: 1, maskPath: null },
      { path: 'bottle/test/crack/000.png', defect: 'crack', label: 1, maskPath: 'bottle/ground_truth/crack/000_mask.png' },
      { path: 'bottle/test/good/000.png', defect: 'good', label: 0, maskPath: null },
      { path: 'bottle/test/good/001.png', defect: 'good', label: 0, maskPath: null },
    ]);
  });

  it('plain good/ and defect/ folders: labels from the folder name, no masks', () => {
    const f = labelFolder(['lot7/good/a.png', 'lot7/defect/b.jpeg', 'lot7/defect/c.png', 'lot7/readme.md']);
    expect(f.layout).toBe('folders');
    expect(f.items.map((i) => [i.path, i.label, i.maskPath])).toEqual([
      ['lot7/defect/b.jpeg', 1, null],
      ['lot7/defect/c.png', 1, null],
      ['lot7/good/a.png', 0, null],
    ]);
  });

  it('explains a folder that cannot be evaluated', () => {
    expect(() => labelFolder(['x/readme.md'])).toThrow(/no images/);
    expect(() => labelFolder(['x/good/a.png', 'x/good/b.png'])).toThrow(/only good/);
    expect(() => labelFolder(['c/test/hole/a.png'])).toThrow(/only defective/);
  });
});
