/**
 * npx tsx cli/results-table.ts <runs dir> — a markdown table of every <run>/meta.json + <run>/eval.json
 * below the folder (as written by cli/ablation.sh).
 * npx tsx cli/results-table.ts --shipped — the shipped models (public/models/students, by npm run make:models)
 * with their quantization candidates.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

if (process.argv[2] === '--shipped') {
  const root = 'public/models/students';
  console.log('| category | epochs | train min | image AUROC | pixel AUROC | PRO | shipped weights | float32 / float16 / uint8: image · pixel AUROC |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!existsSync(path.join(dir, 'eval.json'))) continue;
    const ev = JSON.parse(readFileSync(path.join(dir, 'eval.json'), 'utf8'));
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    const q = ev.quantization as { shipped: string; candidates: { dtype: string; bytes: number; image_auroc: number; pixel_auroc: number }[] };
    const shipped = q.candidates.find((c) => c.dtype === q.shipped)!;
    const cands = q.candidates.map((c) => `${f(c.image_auroc)} · ${f(c.pixel_auroc)}`).join(' / ');
    console.log(`| ${ev.category} | ${meta.training.epochs} | ${meta.training.minutes.toFixed(1)} | ${f(ev.image_auroc)} | ${f(ev.pixel_auroc)} | ${f(ev.pro)} | ${q.shipped}, ${(shipped.bytes / 1e6).toFixed(2)} MB | ${cands} |`);
  }
  process.exit(0);
}

const root = process.argv[2] ?? 'runs/ablation';
const rows: string[] = [];
const evidenceRows: string[] = [];
for (const name of readdirSync(root).sort()) {
  const dir = path.join(root, name);
  if (!existsSync(path.join(dir, 'eval.json')) || !existsSync(path.join(dir, 'meta.json'))) continue;
  const ev = JSON.parse(readFileSync(path.join(dir, 'eval.json'), 'utf8'));
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const params = meta.student.widths.join('/') + ` e${meta.student.embedChannels}`;
  // A second evaluation with the other scale selection, when cli/ablation.sh wrote one.
  const altFile = path.join(dir, 'eval-alt', 'eval.json');
  const alt = existsSync(altFile) ? JSON.parse(readFileSync(altFile, 'utf8')) : null;
  const byScales = (e: { scales?: number[] }) => (e.scales ?? [1, 2, 3]).join(',');
  const all = [ev, alt].find((e) => e && byScales(e) === '1,2,3');
  const two = [ev, alt].find((e) => e && byScales(e) === '2,3');
  const trio = (e: typeof ev | undefined) => (e ? `${f(e.image_auroc)} / ${f(e.pixel_auroc)} / ${f(e.pro)}` : 'n/a');
  // The model's own scales, with test-time flips and fused with nearest-neighbour evidence (when evaluated).
  const extra = (sub: string) => {
    const file = path.join(dir, sub, 'eval.json');
    if (!existsSync(file)) return 'n/a';
    const e = JSON.parse(readFileSync(file, 'utf8'));
    return `${trio(e)} (${e.inference_ms.toFixed(0)} ms)`;
  };
  rows.push(`| ${ev.category} | ${meta.inputSize} | ${meta.teacher.id}/${meta.teacher.tapSet} | ${params} | ${meta.lossForm} | ${meta.dataset.trainImages} | ${meta.training.epochs} | ${trio(all)} | ${trio(two)} | ${meta.training.minutes.toFixed(1)} | ${ev.inference_ms.toFixed(0)} | ${extra('eval-flips')} |`);
  if (existsSync(path.join(dir, 'eval-fused', 'eval.json'))) {
    evidenceRows.push(`| ${ev.category} (${name}) | ${trio(ev)} (${ev.inference_ms.toFixed(0)} ms) | ${extra('eval-nn')} | ${extra('eval-fused')} |`);
  }
}
console.log('| data | input | teacher/taps | student widths | loss | train imgs | epochs | scales 1,2,3 (paper): image / pixel AUROC / PRO | scales 2,3: image / pixel AUROC / PRO | train min | infer ms/img | flips (ms/img) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (evidenceRows.length) {
  // eval --evidence: the model's map, the teacher's nearest-neighbour distances alone, and both fused
  console.log('\n| data (run) | RD map (as trained) | nearest neighbour alone | RD + NN fused |');
  console.log('|---|---|---|---|');
  for (const r of evidenceRows) console.log(r);
}
