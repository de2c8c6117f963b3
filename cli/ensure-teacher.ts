/**
 * Make sure the default teacher (mobilenet_v2) is converted under public/models/teacher/.
 * Runs before dev/build/test: a fast no-op (no tfjs import) when its meta.json exists with the current
 * format version; otherwise converts it from nsfwjs (≈1 s).
 *
 *   npx tsx cli/ensure-teacher.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TEACHER, TEACHER_FORMAT_VERSION } from '../src/engine/teacher-specs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'public', 'models', 'teacher', DEFAULT_TEACHER);

function upToDate(): boolean {
  const metaPath = path.join(dir, 'meta.json');
  if (!existsSync(metaPath) || !existsSync(path.join(dir, 'model.json'))) return false;
  try {
    return (JSON.parse(readFileSync(metaPath, 'utf8')) as { formatVersion?: number }).formatVersion === TEACHER_FORMAT_VERSION;
  } catch {
    return false;
  }
}

if (!upToDate()) {
  // Only now pay for tfjs + the converter.
  const { main } = await import('./convert-teacher');
  try {
    await main(['--teacher', DEFAULT_TEACHER, '--force']);
  } catch (err) {
    console.error(`ensure-teacher: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
