/**
 * The WebGPU path, proven on SwiftShader (software Vulkan — the only WebGPU adapter on a machine
 * without a GPU): the same sample inspected on WebGPU and on wasm gives the same score and the same
 * rendered heatmap within float tolerance.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { SWIFTSHADER_WEBGPU_FLAGS, launchChromium, openApp } from '../harness/browser';
import { backendName, screenshot, downloadOf, inspectSample, readSampleIndex, viewerState, waitForModel } from './app-helpers';

const category = readSampleIndex().categories[0];
const sample = category.samples.find((s) => s.label === 'defect')!;

async function exportHeatmap(page: Page): Promise<PNG> {
  return PNG.sync.read((await downloadOf(page, () => page.getByTestId('export-heatmap').click())).bytes);
}

async function inspectOn(browser: Browser, backend: 'webgpu' | 'wasm') {
  const app = await openApp(browser, inject('baseUrl'), `?backend=${backend}`);
  await waitForModel(app.page);
  expect(await backendName(app.page)).toBe(backend);
  await inspectSample(app.page, sample.file, 280_000);
  const state = await viewerState(app.page);
  const heatmap = await exportHeatmap(app.page);
  if (backend === 'webgpu') await screenshot(app.page, '06-webgpu');
  expect(app.foreignRequests).toEqual([]);
  await app.context.close();
  return { state, heatmap };
}

describe('WebGPU (SwiftShader) matches wasm', () => {
  const browsers: Browser[] = [];
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
  });

  it(`inspects ${sample.file} with the same score and heatmap on both backends`, async () => {
    const gpuBrowser = await launchChromium(SWIFTSHADER_WEBGPU_FLAGS);
    browsers.push(gpuBrowser);
    const gpu = await inspectOn(gpuBrowser, 'webgpu');
    const cpuBrowser = await launchChromium();
    browsers.push(cpuBrowser);
    const wasm = await inspectOn(cpuBrowser, 'wasm');

    expect(Math.abs(gpu.state.score - wasm.state.score)).toBeLessThan(1e-3 * Math.max(1, wasm.state.score));
    expect(Math.abs(gpu.state.hotX - wasm.state.hotX)).toBeLessThan(0.02);
    expect(Math.abs(gpu.state.hotY - wasm.state.hotY)).toBeLessThan(0.02);
    expect([gpu.heatmap.width, gpu.heatmap.height]).toEqual([wasm.heatmap.width, wasm.heatmap.height]);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < wasm.heatmap.data.length; i++) {
      if (i % 4 === 3) continue;
      const d = Math.abs(gpu.heatmap.data[i] - wasm.heatmap.data[i]);
      sum += d;
      max = Math.max(max, d);
    }
    const mean = sum / ((wasm.heatmap.data.length / 4) * 3);
    console.log(`webgpu vs wasm: score ${gpu.state.score.toFixed(6)} vs ${wasm.state.score.toFixed(6)}; heatmap RGB mean |Δ| ${mean.toFixed(3)}, max ${max}`);
    // colormap quantisation: a float difference of ~1e-4 of the range can flip one LUT step
    expect(mean).toBeLessThan(1);
    expect(max).toBeLessThanOrEqual(16);
  });
});
