import { describe, expect, it } from 'vitest';
import { categoryForModel, parseModelIndex, parseSampleIndex, resolveUrl } from './indices';

describe('index files', () => {
  it('resolves index paths against the base URL', () => {
    expect(resolveUrl('/', 'models/students/fabric/')).toBe('/models/students/fabric');
    expect(resolveUrl('/app/', './samples/a.png')).toBe('/app/samples/a.png');
    expect(resolveUrl('/app', 'x')).toBe('/app/x');
    expect(resolveUrl('/app/', 'https://h/m')).toBe('https://h/m');
  });

  it('parses the indices and matches a category to a model', () => {
    const models = parseModelIndex({ version: 1, models: [{ id: 'fabric', path: 'models/students/fabric', eval: { image_auroc: 0.9 } }] }, '/');
    expect(models).toEqual([
      {
        id: 'fabric',
        title: 'fabric',
        source: { kind: 'url', url: '/models/students/fabric' },
        origin: 'shipped',
        path: 'models/students/fabric',
        teacher: undefined,
        eval: { image_auroc: 0.9 },
      },
    ]);
    expect(() => parseModelIndex({ models: [] }, '/')).toThrow(/version/);
    expect(() => parseModelIndex([], '/')).toThrow(/not a model index/);
    const cats = parseSampleIndex({
      categories: [
        { id: 'wood', model: 'models/students/oak', samples: [{ file: 'samples/wood/a.png', label: 'defect', defect: 'knot' }, { nofile: 1 }] },
        { id: 'fabric', samples: [] },
      ],
    });
    expect(cats[0].samples).toEqual([{ file: 'samples/wood/a.png', label: 'defect', defect: 'knot', mask: null, width: 0, height: 0 }]);
    expect(categoryForModel(cats, models[0])?.id).toBe('fabric');
    expect(categoryForModel(cats, { ...models[0], id: 'oak', path: 'models/students/oak' })?.id).toBe('wood');
    expect(categoryForModel(cats, undefined)).toBeNull();
  });
});
