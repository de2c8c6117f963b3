/** Files from drag and drop, paste and file pickers, and the drop-zone behaviour the panels share. */
import { useRef, useState, type DragEvent } from 'react';

/** Files of a drag-and-drop, paste or picker, with a name for each (pasted images may come without one). */
export function filesOf(list: FileList | null | undefined): { blob: Blob; name: string }[] {
  if (!list) return [];
  return Array.from(list, (f, i) => ({ blob: f, name: f.name || `pasted-${i + 1}.png` }));
}

/** Is this a drag of files (not of text or a link)? Works for React's and the DOM's drag events. */
export function isFileDrag(e: { dataTransfer: DataTransfer | null }): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/**
 * Drop-zone handlers: highlight while files are dragged over it (a depth counter, because dragenter and
 * dragleave also fire for its children), and the dropped files to `onFiles`. The drop is marked handled
 * (defaultPrevented), so the page-wide drop handler leaves it alone.
 */
export function useFileDrop(onFiles: (files: { blob: Blob; name: string }[]) => void) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const handlers = {
    onDragEnter: (e: DragEvent<HTMLElement>) => {
      if (!isFileDrag(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    },
    onDragOver: (e: DragEvent<HTMLElement>) => {
      if (!isFileDrag(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    },
    onDrop: (e: DragEvent<HTMLElement>) => {
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      const files = filesOf(e.dataTransfer?.files);
      if (files.length > 0) onFiles(files);
    },
  };
  return { over, handlers };
}
