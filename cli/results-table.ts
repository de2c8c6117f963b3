/**
 * npx tsx cli/results-table.ts <runs dir> — a markdown table of every <run>/meta.json + <run>/eval.json
 * below the folder (as written by cli/ablation.sh).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? 'runs/ablation';
const rows: string[] = [];
for (const name of readdirSync(root).sort()) {
  const dir = path.join(root, name);
  if (!existsSync(path.join(dir, 'eval.json')) || !existsSync(path.join(dir, 'meta.json'))) continue;
  const ev = JSON.parse(readFileSync(path.join(dir, 'eval.json'), 'utf8'));
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  const params = meta.student.widths.join('/') + ` e${meta.student.embedChannels}`;
  rows.push(`| ${ev.category} | ${meta.teacher.id}/${meta.teacher.tapSet} | ${params} | ${meta.dataset.trainImages} | ${meta.training.epochs} | ${f(ev.image_auroc)} | ${f(ev.pixel_auroc)} | ${f(ev.pro)} | ${meta.training.minutes.toFixed(1)} | ${ev.inference_ms.toFixed(0)} |`);
}
console.log('| data | teacher/taps | student widths | train imgs | epochs | image AUROC | pixel AUROC | PRO (FPR≤0.3) | train min | infer ms/img |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
