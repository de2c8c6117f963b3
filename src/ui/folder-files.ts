/**
 * Files of a folder with their relative paths: from a directory picker (`<input webkitdirectory>`, each
 * File carries webkitRelativePath) or from a drop (DataTransferItem.webkitGetAsEntry, walked
 * recursively; a directory reader answers in batches, so it is read until it returns none).
 */
import type { FolderFile } from '../store';

export function folderFilesOfInput(list: FileList | null): FolderFile[] {
  if (!list) return [];
  return Array.from(list, (f) => ({ blob: f, path: f.webkitRelativePath || f.name }));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: FolderFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ blob: await fileOf(entry as FileSystemFileEntry), path });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await readBatch(reader);
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path, out);
  }
}

/** The dropped folders' (and files') contents; the entries must be taken synchronously in the drop handler. */
export function folderFilesOfDrop(dt: DataTransfer): Promise<FolderFile[]> {
  const entries = Array.from(dt.items)
    .map((item) => item.webkitGetAsEntry?.() ?? null)
    .filter((e): e is FileSystemEntry => e !== null);
  return (async () => {
    const out: FolderFile[] = [];
    for (const e of entries) await walk(e, '', out);
    return out;
  })();
}
