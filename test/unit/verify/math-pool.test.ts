// The math pool: real worker threads, a hard deadline per call, workers replaced after a timeout.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MathPool } from '../../../daemon/verify/pool.js';
import { closeVerifiers, configureVerifiers, verify, verifyBatch } from '../../../daemon/verify/index.js';

after(() => closeVerifiers());

test('a job past its deadline ends as timeout (reward 0), its worker is replaced, and the pool goes on', async () => {
  const pool = new MathPool({ size: 1, deadlineMs: 500 });
  try {
    // Three exact factorials near 60000! take seconds: under the arithmetic budget, far over this deadline.
    const slow = await pool.verify({ kind: 'math', answer: '1' }, '\\boxed{60000! - 60001! + 60002!}');
    assert.equal(slow.verdict, 'timeout');
    assert.equal(slow.reward, 0);
    assert.equal(slow.details.kind === 'math' && slow.details.rule, 'deadline');
    assert.equal(slow.details.kind === 'math' && slow.details.extracted, '60000! - 60001! + 60002!');
    const after = await pool.verify({ kind: 'math', answer: '\\frac{1}{2}' }, '\\boxed{\\frac{1}{2}}');
    assert.equal(after.verdict, 'correct');
    const stats = pool.getStats();
    assert.equal(stats.timedOut, 1);
    assert.equal(stats.workersStarted, 2, 'the stuck worker was replaced');
  } finally {
    await pool.close();
  }
});

test('the issue\'s pathological inputs through the pool: timeout, never a hang', async () => {
  const pool = new MathPool({ size: 1, deadlineMs: 3000 });
  try {
    for (const pred of ['9^{9^9}', '100000!']) {
      const r = await pool.verify({ kind: 'math', answer: '2' }, `\\boxed{${pred}}`);
      assert.equal(r.verdict, 'timeout', pred);
      assert.equal(r.reward, 0);
    }
  } finally {
    await pool.close();
  }
});

test('verify() sends math to the pool; verifyBatch keeps input order', async () => {
  configureVerifiers({ math: { size: 2, deadlineMs: 5000 } });
  const one = await verify({ kind: 'math', answer: '\\{1, 2\\}' }, '</think> \\boxed{\\{2, 1\\}}');
  assert.equal(one.verdict, 'correct');
  const items = Array.from({ length: 40 }, (_, i) => ({ task: { kind: 'math' as const, answer: String(i) }, response: `\\boxed{${i % 2 === 0 ? i : i + 1}}` }));
  const results = await verifyBatch(items);
  assert.deepEqual(
    results.map((r) => r.reward),
    items.map((_, i) => (i % 2 === 0 ? 1 : 0)),
  );
  await assert.rejects(verify({ kind: 'poem' } as never, 'x'), /unknown task kind "poem"/);
});

test('close() settles even when a worker reports ready after close began (a CLI awaiting it must not exit 13)', async () => {
  // Run in a child: only there does an empty event loop show, as Node's exit code 13 for an
  // unsettled top-level await. The late `ready` is emitted by hand so the race is certain.
  const { spawnSync } = await import('node:child_process');
  const poolUrl = new URL('../../../daemon/verify/pool.js', import.meta.url).href;
  const script = `
    import { MathPool } from ${JSON.stringify(poolUrl)};
    const pool = new MathPool({ size: 2 });
    const first = await pool.verify({ kind: 'math', answer: '2' }, '\\\\boxed{2}');
    if (first.verdict !== 'correct' || pool['slots'].length !== 2) throw new Error('pool not up: ' + first.verdict);
    const late = pool['slots'][1].worker;
    const closing = pool.close();
    late.emit('message', { ready: true });
    await closing;
    console.log('closed');`;
  // A file, not `-e`: worker threads inherit execArgv, and `--input-type` breaks them.
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-pool-close-'));
  const file = path.join(dir, 'close.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'closed');
});
