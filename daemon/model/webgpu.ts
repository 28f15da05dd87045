// The WebGPU backend in plain Node: Dawn's Node bindings (npm `webgpu`) provide
// navigator.gpu over Vulkan (Metal / D3D12 elsewhere), and @tensorflow/tfjs-backend-webgpu
// runs on it. Both packages are optional dependencies: where they did not install, this
// backend is skipped with "not installed".
//
// Facts that shaped it:
// - tfjs-backend-webgpu registers 'webgpu' only if navigator.gpu exists when it is
//   imported, so navigator.gpu is installed first and the import comes after.
// - Mesa's lavapipe is a Vulkan driver that runs on the CPU. If it is the only adapter,
//   "webgpu" would silently train on the CPU, so auto-selection skips a software adapter;
//   it is used only when asked for by name (that is how tests check WebGPU without a GPU).
// - Debian 12's own lavapipe (Mesa 22) is rejected by Dawn (requestAdapter() gives null);
//   Mesa 25 from bookworm-backports works. VK_DRIVER_FILES=<icd.json> picks one driver.
import * as tf from '@tensorflow/tfjs';

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

let gpu: DawnGpu | null = null;

async function importOptional<T>(pkg: string): Promise<T> {
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

/** The adapter WebGPU would use, without activating anything; throws saying why there is none. */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterReport> {
  const adapter = await (await dawnGpu()).requestAdapter(ADAPTER_OPTIONS);
  if (!adapter) {
    throw new Error(
      'no WebGPU adapter (needs libvulkan1 and a Vulkan driver: a GPU vendor ICD, or Mesa >= 25 lavapipe on CPU; Debian 12 Mesa 22 is too old)',
    );
  }
  const info = adapter.info as AdapterInfoLike;
  return { adapter: adapterName(info), softwareFallback: isSoftwareAdapter(info) };
}

/**
 * Activates tfjs's 'webgpu' backend. A software adapter is refused unless allowSoftware
 * (the user named webgpu explicitly), so auto-selection never trains on the CPU through it.
 */
export async function loadWebGpuBackend(opts: { allowSoftware: boolean }): Promise<WebGpuAdapterReport> {
  const report = await probeWebGpuAdapter();
  if (report.softwareFallback && !opts.allowSoftware) {
    throw new Error(`only a software adapter (${report.adapter}): it runs on the CPU; --backend webgpu forces it`);
  }
  await importOptional('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error('@tensorflow/tfjs-backend-webgpu did not register (navigator.gpu missing at import)');
  splitWideAddN();
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
  await tf.ready();
  return report;
}

interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

let addNSplit = false;

/**
 * tfjs-backend-webgpu 4.22's AddN binds every input as its own storage buffer, but a
 * device allows only maxStorageBuffersPerShaderStage of them (8 by default, output
 * included): with more inputs the pipeline is invalid, Dawn prints a validation error and
 * the result is garbage (the policy's global gradient norm sums 30+ tensors: 82.7 instead of
 * 1.48). Its Concat already splits wide inputs this way; AddN gets the same treatment.
 */
function splitWideAddN(): void {
  if (addNSplit) return;
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original) return;
  type Args = Parameters<tf.KernelFunc>[0];
  const addN = (args: Args): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WebGpuBackendLike;
    const max = backend.device.limits.maxStorageBuffersPerShaderStage - 1;
    if (inputs.length <= max) return original.kernelFunc(args) as tf.TensorInfo;
    const partial: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += max) {
      partial.push(addN({ ...args, inputs: inputs.slice(i, i + max) as unknown as Args['inputs'] }));
    }
    const sum = addN({ ...args, inputs: partial as unknown as Args['inputs'] });
    for (const p of partial) backend.disposeData(p.dataId);
    return sum;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: addN as tf.KernelFunc });
  addNSplit = true;
}
