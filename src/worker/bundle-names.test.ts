import { describe, expect, it } from 'vitest';
import { importName, uniqueName } from './bundle-names';

describe('names of imported bundles', () => {
  const dataset = { name: 'fabric', fingerprint: 'f', trainImages: 1 };

  it('come from meta.json (the exported name, else the dataset), the zip name last', () => {
    expect(importName({ name: 'Line 2', dataset }, 'download (3).zip')).toBe('Line 2');
    expect(importName({ dataset }, 'fabric-uint8.zip')).toBe('fabric');
    expect(importName({ name: '  ', dataset: { ...dataset, name: '' } }, 'bottle.ZIP')).toBe('bottle');
    expect(importName({ dataset: { ...dataset, name: '' } })).toBe('imported model');
  });

  it('are told apart from models already in the library', () => {
    expect(uniqueName('Line 2', ['Other'])).toBe('Line 2');
    expect(uniqueName('Line 2', ['Line 2'])).toBe('Line 2 (2)');
    expect(uniqueName('Line 2', ['Line 2', 'Line 2 (2)'])).toBe('Line 2 (3)');
  });
});
