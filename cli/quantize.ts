/**
 * npm run quantize -- --model <bundle dir> --out <dir> --dtype float16|uint16|uint8 [--min-elements N]
 *
 * Writes a copy of a model bundle whose weights are stored quantized in tfjs's manifest format (the
 * browser and the CLIs dequantize on load). meta.json records the storage and size; eval.json is not
 * copied, because the quantized model must be evaluated again (`npm run eval`).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { parseModelMeta } from '../src/engine/bundle-contract';
import { WEIGHT_QUANTIZATIONS, describeQuantization, quantizeArtifacts, weightBytes } from '../src/engine/weight-quantization';
import { UserError, choiceOption, intOption, parseCliArgs, runCli } from './lib/cli-support';
import { fileSystemHandler } from './lib/file-io';
import { readJson, writeJsonAtomic } from './lib/model-bundle';

const USAGE = `usage: npm run quantize -- --model <bundle dir> --out <dir> --dtype ${WEIGHT_QUANTIZATIONS.join('|')} [options]
  --min-elements N  tensors with fewer values stay float32 (default 1024: BatchNorm statistics, biases)`;

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    model: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, 'min-elements': { type: 'string' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.model || !a.out || !a.dtype) throw new UserError(`--model, --out and --dtype are required\n\n${USAGE}`);
  const dtype = choiceOption(a.dtype, 'dtype', 'uint8', WEIGHT_QUANTIZATIONS);
  const minElements = intOption(a['min-elements'], 'min-elements', 1024, 0, 1 << 30);
  const src = path.resolve(a.model);
  const out = path.resolve(a.out);
  if (src === out) throw new UserError('--out must differ from --model (the float32 original is kept)');
  if (!existsSync(path.join(src, 'model.json'))) throw new UserError(`no model.json in ${src}`);
  const parsed = parseModelMeta(await readJson(path.join(src, 'meta.json'), 'model meta'));
  if (!parsed.meta) throw new UserError(`${path.join(src, 'meta.json')}: ${parsed.reason}`);
  const meta = parsed.meta;
  const artifacts = await fileSystemHandler(src).load();
  if (describeQuantization(artifacts.weightSpecs ?? []) !== 'float32') throw new UserError(`${src} is already quantized; start from the float32 bundle`);
  const quantized = quantizeArtifacts(artifacts, dtype, { minElements });
  await fileSystemHandler(out).save(quantized);
  const bytes = weightBytes(quantized);
  await writeJsonAtomic(path.join(out, 'meta.json'), { ...meta, weights: { quantization: describeQuantization(quantized.weightSpecs ?? []), bytes } });
  console.log(`${path.relative(process.cwd(), out) || out}: weights ${(weightBytes(artifacts) / 1e6).toFixed(2)} MB float32 → ${(bytes / 1e6).toFixed(2)} MB ${dtype}`);
}

runCli(main);
