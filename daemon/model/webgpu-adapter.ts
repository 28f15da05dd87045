// Dawn's adapter, without TensorFlow.js: what the quiet probe's child process loads
// (webgpu-probe.ts), so it starts in a fraction of a second, and what webgpu.ts installs
// as navigator.gpu before tfjs-backend-webgpu is imported.
//
// Facts that shaped it:
// - Mesa's lavapipe is a Vulkan driver that runs on the CPU. If it is the only adapter,
//   "webgpu" would silently train on the CPU, so auto-selection skips a software adapter.
// - Debian 12's own lavapipe (Mesa 22) is rejected by Dawn (requestAdapter() gives null);
//   Mesa 25 from bookworm-backports works. VK_DRIVER_FILES=<icd.json> picks one driver.

export interface WebGpuAdapterReport {
  /** Human-readable adapter, e.g. "NVIDIA H200, NVIDIA: 570.124" or "llvmpipe: Mesa 25.0.7 ...". */
  adapter: string;
  /** The adapter rasterises on the CPU (lavapipe, SwiftShader, WARP). */
  softwareFallback: boolean;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

// The little of the WebGPU API used here (the full types are @webgpu/types).
interface DawnGpu {
  requestAdapter(opts?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<{ info: unknown } | null>;
}

// Same request tfjs-backend-webgpu makes, so the adapter reported is the one it trains on.
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|microsoft basic render/i;

export const NO_ADAPTER =
  'no WebGPU adapter (needs libvulkan1 and a Vulkan driver: a GPU vendor ICD, or Mesa >= 25 lavapipe on CPU; Debian 12 Mesa 22 is too old)';

let gpu: DawnGpu | null = null;

export async function importOptional<T>(pkg: string): Promise<T> {
  try {
    return (await import(pkg)) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') throw new Error(`not installed (${pkg})`);
    throw new Error(`${pkg} failed to load: ${e.message.split('\n')[0]}`);
  }
}

/** navigator.gpu from Dawn, created once per process. */
async function dawnGpu(): Promise<DawnGpu> {
  if (gpu) return gpu;
  const dawn = await importOptional<{ create(flags: string[]): DawnGpu; globals: object }>('webgpu');
  // The GPU* classes (GPUBufferUsage, GPUShaderStage, ...) that browser code expects as globals.
  Object.assign(globalThis, dawn.globals);
  gpu = dawn.create([]);
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    g.navigator = { gpu };
  } else {
    // Node 21+ has a navigator object of its own: add gpu to it rather than replace it.
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, enumerable: true });
  }
  return gpu;
}

export function isSoftwareAdapter(info: AdapterInfoLike): boolean {
  return info.isFallbackAdapter === true || info.architecture === 'software' || SOFTWARE_NAMES.test(`${info.device ?? ''} ${info.description ?? ''}`);
}

export function adapterName(info: AdapterInfoLike): string {
  // lavapipe's device field is a mangled id ("llvmpipe-llvm-15-0-6-256-bits-"); its
  // description says it all. A GPU's device field is its model, the description its driver.
  if (isSoftwareAdapter(info)) return info.description || info.device || info.vendor || 'software adapter';
  const parts = [info.device, info.description].filter((p): p is string => !!p);
  return parts.length > 0 ? [...new Set(parts)].join(', ') : info.vendor || info.architecture || 'unnamed adapter';
}

/**
 * The adapter WebGPU would use, found in this process (Dawn's loader probe writes to this
 * process's stderr: webgpu-probe.ts runs it in a child first); throws saying why there is none.
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterReport> {
  const adapter = await (await dawnGpu()).requestAdapter(ADAPTER_OPTIONS);
  if (!adapter) throw new Error(NO_ADAPTER);
  const info = adapter.info as AdapterInfoLike;
  return { adapter: adapterName(info), softwareFallback: isSoftwareAdapter(info) };
}
