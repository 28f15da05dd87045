// The WebGPU backend in plain Node: Dawn's Node bindings (npm `webgpu`) provide
// navigator.gpu over Vulkan (Metal / D3D12 elsewhere), and @tensorflow/tfjs-backend-webgpu
// runs on it. Both packages are optional dependencies: where they did not install, this
// backend is skipped with "not installed".
//
// Facts that shaped it:
// - tfjs-backend-webgpu registers 'webgpu' only if navigator.gpu exists when it is
//   imported, so navigator.gpu is installed first and the import comes after.
// - The adapter is asked for first in a child process (webgpu-probe.ts): Dawn's loader
//   probe writes to stderr from native code, and most machines this runs on have no GPU.
// - A software adapter (lavapipe) is used only when asked for by name (that is how tests
//   check WebGPU without a GPU); see webgpu-adapter.ts.
import * as tf from '@tensorflow/tfjs';
import { importOptional, probeWebGpuAdapter, type WebGpuAdapterReport } from './webgpu-adapter.js';
import { probeWebGpuAdapterQuietly } from './webgpu-probe.js';

export { adapterName, isSoftwareAdapter, probeWebGpuAdapter, type WebGpuAdapterReport } from './webgpu-adapter.js';

/**
 * Activates tfjs's 'webgpu' backend. A software adapter is refused unless allowSoftware
 * (the user named webgpu explicitly), so auto-selection never trains on the CPU through it.
 */
export async function loadWebGpuBackend(opts: { allowSoftware: boolean }): Promise<WebGpuAdapterReport> {
  const found = await probeWebGpuAdapterQuietly();
  if (found.softwareFallback && !opts.allowSoftware) {
    throw new Error(`only a software adapter (${found.adapter}): it runs on the CPU; --backend webgpu forces it`);
  }
  // The child found one: now Dawn in this process, for the adapter tfjs will train on.
  const report = await probeWebGpuAdapter();
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
