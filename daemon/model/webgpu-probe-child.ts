// The child process of webgpu-probe.ts: asks Dawn for an adapter and sends back what it
// found. Whatever Dawn's native code prints (the Vulkan loader's complaints) lands on this
// process's stderr, which the parent keeps unless logging is at debug.
import { probeWebGpuAdapter } from './webgpu-adapter.js';
import type { ProbeAnswer } from './webgpu-probe.js';

function answer(message: ProbeAnswer): void {
  // Exit once the message is out: Dawn's instance would otherwise keep the process alive.
  process.send!(message, () => process.exit(0));
}

try {
  answer({ ok: true, report: await probeWebGpuAdapter() });
} catch (err) {
  answer({ ok: false, reason: (err as Error).message });
}
