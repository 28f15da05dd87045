// WebGPU (Dawn over Vulkan: the GPU, or Mesa's lavapipe on the CPU) beside WASM, same
// run, same seeded workloads: GRPO train-step and KV-cache sampling throughput for a
// small and the default model. One child process per backend and size (tfjs has one
// backend per process); they run one after another so they do not share the cores.
// Wall-clock figures: lavapipe spreads over every core, WASM uses one.
import { runWorkload, type BenchResult, type BenchSpec } from './backend-workload.js';
import { describeBackend } from '../model/backend.js';
import { DEFAULT_POLICY_CONFIG } from '../model/char/config.js';
import { probeWebGpuAdapter } from '../model/webgpu.js';

const SIZES: { name: string; spec: BenchSpec }[] = [
  {
    name: 'small (d=64, 2 layers)',
    spec: { config: { ...DEFAULT_POLICY_CONFIG, contextLength: 128, dModel: 64, nLayers: 2, nHeads: 2 }, trainRows: 16, trainTokens: 64, sampleRows: 16, sampleTokens: 32 },
  },
  {
    name: 'default (d=128, 4 layers)',
    spec: { config: DEFAULT_POLICY_CONFIG, trainRows: 8, trainTokens: 128, sampleRows: 16, sampleTokens: 32 },
  },
];

const fmt = (x: number, digits = 0) => x.toFixed(digits);

export async function run(): Promise<void> {
  try {
    const a = await probeWebGpuAdapter();
    console.log(`webgpu adapter: ${a.adapter}${a.softwareFallback ? ' (software fallback: runs on the CPU)' : ''}`);
  } catch (err) {
    console.log(`skipped: ${(err as Error).message}`);
    return;
  }
  for (const { name, spec } of SIZES) {
    const results: Record<string, BenchResult> = {};
    for (const backend of ['wasm', 'webgpu']) {
      try {
        results[backend] = (await runWorkload(backend, ['bench', JSON.stringify(spec)], 600_000)) as BenchResult;
      } catch (err) {
        console.log(`${name}: ${backend} failed: ${(err as Error).message}`);
      }
    }
    const w = results.wasm;
    const g = results.webgpu;
    if (!w || !g) continue;
    console.log(`${name}, ${w.parameters} parameters; webgpu: ${describeBackend(g.backend)}`);
    console.log(
      `  training ${spec.trainRows}x${spec.trainTokens}: webgpu ${fmt(g.trainTokensPerSecond)} tok/s (${fmt(g.trainSeconds, 2)} s/step; ` +
        `first step ${fmt(g.firstTrainSeconds, 1)} s with shader compilation) vs wasm ${fmt(w.trainTokensPerSecond)} tok/s ` +
        `(${fmt(w.trainSeconds, 2)} s/step): x${fmt(g.trainTokensPerSecond / w.trainTokensPerSecond, 2)}`,
    );
    console.log(
      `  sampling ${spec.sampleRows}x${spec.sampleTokens} (KV cache): webgpu ${fmt(g.sampleTokensPerSecond)} tok/s vs wasm ` +
        `${fmt(w.sampleTokensPerSecond)} tok/s: x${fmt(g.sampleTokensPerSecond / w.sampleTokensPerSecond, 2)}`,
    );
  }
}
