import { describe, expect, it } from 'vitest';
import { datasetPlan, galleryIndex, galleryIndexJson, galleryPlan } from './plan.ts';

describe('synthetic dataset plan', () => {
  it('lays out MVTec folders with three-digit names and masks for defects only', () => {
    const plan = datasetPlan('fabric', 1, { train: 2, testGood: 1, testDefect: 2 });
    expect(plan.map((p) => [p.image, p.mask])).toEqual([
      ['train/good/000.png', null],
      ['train/good/001.png', null],
      ['test/good/000.png', null],
      ['test/hole/000.png', 'ground_truth/hole/000_mask.png'],
      ['test/hole/001.png', 'ground_truth/hole/001_mask.png'],
      ['test/stain/000.png', 'ground_truth/stain/000_mask.png'],
      ['test/stain/001.png', 'ground_truth/stain/001_mask.png'],
      ['test/cut/000.png', 'ground_truth/cut/000_mask.png'],
      ['test/cut/001.png', 'ground_truth/cut/001_mask.png'],
    ]);
    expect(plan[4].id).toEqual({ category: 'fabric', split: 'test', label: 'hole', index: 1, seed: 1 });
  });

  it('defaults to 120 train, 24 good and 12 per defect kind', () => {
    const plan = datasetPlan('flange', 1);
    expect(plan.filter((p) => p.id.split === 'train')).toHaveLength(120);
    expect(plan.filter((p) => p.image.startsWith('test/good/'))).toHaveLength(24);
    expect(plan.filter((p) => p.image.startsWith('test/missing_hole/'))).toHaveLength(12);
  });

  it('picks gallery images from the test split: two good, a large and (for sized defects) a small one', () => {
    expect(galleryPlan('flange', 1).map((g) => g.image)).toEqual([
      'good_000.png', 'good_001.png', 'scratch_000.png', 'scratch_002.png', 'missing_hole_000.png',
      'misplaced_hole_000.png', 'contamination_000.png', 'contamination_002.png',
    ]);
    for (const g of galleryPlan('wood', 1)) {
      expect(g.id.split).toBe('test');
      expect(g.mask === null).toBe(g.id.label === 'good');
    }
  });

  it('index.json lists all categories with public-root-relative paths', () => {
    const index = galleryIndex(1);
    expect(index.generator).toBe('npm run make:samples -- --seed 1');
    expect(index.categories.map((c) => c.id)).toEqual(['fabric', 'wood', 'flange']);
    const fabric = index.categories[0];
    expect(fabric).toMatchObject({ title: 'Woven fabric', kind: 'texture', model: 'models/students/fabric', defectKinds: ['hole', 'stain', 'cut'] });
    expect(fabric.samples[0]).toEqual({ file: 'samples/fabric/good_000.png', label: 'good', defect: null, mask: null, width: 256, height: 256 });
    expect(fabric.samples[2]).toEqual({
      file: 'samples/fabric/hole_000.png', label: 'defect', defect: 'hole', mask: 'samples/fabric/hole_000_mask.png', width: 256, height: 256,
    });
    const json = galleryIndexJson(1);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "version": 1,\n');
    expect(JSON.parse(json)).toEqual(index);
  });
});
