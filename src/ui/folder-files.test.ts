import { describe, expect, it } from 'vitest';
import { folderFilesOfDrop } from './folder-files';

/** Just enough of the File and Directory Entries API: a directory reader answers in batches of two, then []. */
function fileEntry(name: string): FileSystemFileEntry {
  return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([name], name)) } as unknown as FileSystemFileEntry;
}

function dirEntry(name: string, children: FileSystemEntry[]): FileSystemDirectoryEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void) => {
          const batch = children.slice(at, at + 2);
          at += batch.length;
          ok(batch);
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

describe('folderFilesOfDrop', () => {
  it('walks dropped folders recursively (all batches of each reader) with their relative paths', async () => {
    const tree = dirEntry('bottle', [
      dirEntry('test', [dirEntry('good', [fileEntry('000.png'), fileEntry('001.png'), fileEntry('002.png')]), dirEntry('broken', [fileEntry('000.png')])]),
      dirEntry('ground_truth', [dirEntry('broken', [fileEntry('000_mask.png')])]),
    ]);
    const dt = { items: [{ webkitGetAsEntry: () => tree }] } as unknown as DataTransfer;
    const files = await folderFilesOfDrop(dt);
    expect(files.map((f) => f.path)).toEqual([
      'bottle/test/good/000.png',
      'bottle/test/good/001.png',
      'bottle/test/good/002.png',
      'bottle/test/broken/000.png',
      'bottle/ground_truth/broken/000_mask.png',
    ]);
    expect(await files[4].blob.text()).toBe('000_mask.png');
  });
});
