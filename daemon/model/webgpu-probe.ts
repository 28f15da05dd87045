// Asks for a WebGPU adapter in a child process, so that Dawn's native loader probe, which
// writes straight to fd 2 ("Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open
// shared object file ... BackendVk.cpp:368" on every machine without Vulkan; lavapipe's
// "maxDynamicUniformBuffersPerPipelineLayout artificially reduced" where there is only a
// software adapter), never reaches the user's terminal: no console filter can catch a
// native write. The child's stderr is shown only at debug logging (`--verbose`,
// RLVR_LOG=debug). Dawn is loaded in this process only once the child found an adapter
// that will be used, and a driver that crashes takes down the child, not the trainer.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { debugLogging } from '../util/log-level.js';
import type { WebGpuAdapterReport } from './webgpu-adapter.js';

/** The one message the child sends. */
export type ProbeAnswer = { ok: true; report: WebGpuAdapterReport } | { ok: false; reason: string };

const CHILD = fileURLToPath(new URL('./webgpu-probe-child.js', import.meta.url));
const TIMEOUT_MS = 60_000;

let probe: Promise<WebGpuAdapterReport> | null = null;

/** The adapter Dawn offers here (asked once per process), or an error saying why there is none. */
export function probeWebGpuAdapterQuietly(): Promise<WebGpuAdapterReport> {
  probe ??= runProbe();
  return probe;
}

function runProbe(): Promise<WebGpuAdapterReport> {
  return new Promise((resolve, reject) => {
    // execArgv []: not the parent's flags (node --test, --inspect), which would change the child.
    const child = fork(CHILD, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    let answer: ProbeAnswer | undefined;
    child.on('message', (m) => (answer = m as ProbeAnswer));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`the WebGPU probe could not start: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const lines = output.split('\n').map((l) => l.trimEnd()).filter(Boolean);
      if (debugLogging()) for (const line of lines) process.stderr.write(`webgpu probe: ${line}\n`);
      if (answer?.ok) return resolve(answer.report);
      if (answer) return reject(new Error(answer.reason));
      const why = signal === 'SIGKILL' ? `did not answer within ${TIMEOUT_MS / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
      reject(new Error(`the WebGPU probe ${why}${lines.length ? `: ${lines[0]}` : ''}`));
    });
  });
}
