// A tensor's float32 values seen from JS without a copy where the backend allows it.
// tensor.data() copies. On WASM the values already sit in the module's heap, and a gradient sum
// that copied every chunk's 0.5 GB of gradients (SmolLM2-135M) left that much garbage per chunk:
// with the host optimizer's moments beside it, that was what pushed a step past 4 GiB.
import * as tf from '@tensorflow/tfjs';

interface WasmInternals {
  wasm?: { HEAPU8: Uint8Array };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

function heapView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmInternals;
  const entry = backend.dataIdMap?.get(t.dataId);
  const heap = backend.wasm?.HEAPU8;
  if (!entry || !heap || typeof entry.memoryOffset !== 'number') return null;
  return new Float32Array(heap.buffer, entry.memoryOffset, t.size);
}

/**
 * Calls `use` with the tensor's values: a view of the WASM heap (valid only inside the
 * synchronous call: no tf call may run in it), else a copy. Read only: the backend keeps
 * packed copies of weights keyed by their data, so bytes written here would not be seen.
 */
export async function withFloat32View<R>(t: tf.Tensor, use: (values: Float32Array) => R): Promise<R> {
  return use(heapView(t) ?? ((await t.data()) as Float32Array));
}
