// A trivial program through the real sandbox (bubblewrap, python3, the worker, the judge):
// the one check that code can be verified here, shared by `rlvr doctor` and `rlvr setup`.
// The caller closes the default pool (closeVerifiers / closeDefaultPools) when done.
import { verifyCode } from './index.js';

const PROBE_PROGRAM = '```python\nprint(sum(map(int, input().split())))\n```';

export async function checkCodeSandbox(): Promise<{ ok: boolean; detail: string }> {
  const result = await verifyCode({ kind: 'code', tests: [{ input: '2 3\n', output: '5\n' }] }, PROBE_PROGRAM);
  if (result.reward === 1) return { ok: true, detail: 'bubblewrap + python3: a test program passed' };
  const message = result.details.kind === 'code' ? result.details.message : undefined;
  return { ok: false, detail: `${result.verdict}${message ? `: ${message}` : ''}` };
}
