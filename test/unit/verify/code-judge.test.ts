// The pure parts of the code verifier: program extraction, output comparison, and the
// refusal to run code when bubblewrap is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareOutput, describeSandbox, extractProgram, SandboxPool, verifyCode } from '../../../daemon/verify/code/index.js';
import { workerCommand } from '../../../daemon/verify/code/sandbox.js';

test('extraction takes the last ```python block after </think>', () => {
  const response = [
    '<think>maybe\n```python\nprint("draft")\n```\n</think>',
    'First try:\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\n',
  ].join('\n');
  assert.equal(extractProgram(response), 'print(2)\n');
  assert.equal(extractProgram('```Python3\nx = 1\n```'), 'x = 1\n');
});

test('extraction finds nothing in reasoning only, other languages or an unclosed fence', () => {
  assert.equal(extractProgram('<think>```python\nprint(1)\n```</think> The answer is 3.'), null);
  assert.equal(extractProgram('```cpp\nint main(){}\n```'), null);
  assert.equal(extractProgram('```python\nprint(1)\n'), null);
});

test('a response without code gets no_code and reward 0, without touching a sandbox', async () => {
  const r = await verifyCode({ kind: 'code', tests: [{ input: '', output: '' }] }, 'I think the answer is 42.');
  assert.equal(r.reward, 0);
  assert.equal(r.verdict, 'no_code');
});

test('output comparison: whitespace and trailing lines do not matter, order does', () => {
  assert.deepEqual(compareOutput('1 2\n3\n', '  1 2  \r\n3'), { equal: true });
  assert.deepEqual(compareOutput('', '\n\n'), { equal: true });
  const diff = compareOutput('a\nb\nc', 'a\nc\nb');
  assert.equal(diff.equal, false);
  assert.equal(!diff.equal && diff.line, 2);
  const short = compareOutput('1\n2', '1');
  assert.equal(!short.equal && short.line, 2);
});

test('numeric tokens: floats within tolerance match, integers compare exactly however large', () => {
  assert.equal(compareOutput('0.333333333333', '0.3333333333333').equal, true);
  assert.equal(compareOutput('1.0 2', '1 2.000').equal, true);
  assert.equal(compareOutput('0.33', '0.34').equal, false);
  assert.equal(compareOutput('123456789012345678901', '123456789012345678902').equal, false);
  assert.equal(compareOutput('+7', '7').equal, true);
  assert.equal(compareOutput('1e3', '1000.0').equal, true);
  assert.equal(compareOutput('yes', 'YES').equal, false);
});

test('without bubblewrap, code is refused with how to install it, unless unsafe is asked for', async () => {
  assert.throws(() => workerCommand({ bwrap: '/nonexistent/bwrap' }), /apt-get install bubblewrap/);
  assert.doesNotThrow(() => workerCommand({ bwrap: '/nonexistent/bwrap', unsafe: true }));
  const pool = new SandboxPool({ bwrap: '/nonexistent/bwrap', size: 1 });
  try {
    const r = await verifyCode({ kind: 'code', tests: [{ input: '', output: '1' }] }, '```python\nprint(1)\n```', { pool });
    assert.equal(r.reward, 0);
    assert.equal(r.verdict, 'sandbox_error');
    assert.match(r.details.kind === 'code' ? r.details.message ?? '' : '', /apt-get install bubblewrap/);
  } finally {
    await pool.close();
  }
});

test('a sandbox that cannot start is a sandbox_error (a verifier failure), not a wrong answer', async () => {
  const pool = new SandboxPool({ bwrap: '/usr/bin/false', size: 1 });
  try {
    const r = await verifyCode({ kind: 'code', tests: [{ input: '', output: '1' }] }, '```python\nprint(1)\n```', { pool });
    assert.equal(r.reward, 0);
    assert.equal(r.verdict, 'sandbox_error');
    assert.match(r.details.kind === 'code' ? r.details.message ?? '' : '', /sandbox worker exited/);
  } finally {
    await pool.close();
  }
});

test('describeSandbox says whether code can be isolated here', () => {
  assert.equal(describeSandbox().ok, true);
  const missing = describeSandbox({ bwrap: '/nonexistent/bwrap' });
  assert.equal(missing.ok, false);
  assert.match(missing.problem ?? '', /apt-get install bubblewrap/);
});

test('an interpreter that cannot be spawned fails every queued test cleanly, without hanging the pool', async () => {
  const pool = new SandboxPool({ size: 1, unsafe: true, python: '/usr/share' }); // a directory: spawn fails
  try {
    const results = await Promise.all(
      [1, 2, 3].map(() => verifyCode({ kind: 'code', tests: [{ input: '', output: '1' }] }, '```python\nprint(1)\n```', { pool })),
    );
    assert.deepEqual(results.map((r) => r.verdict), ['sandbox_error', 'sandbox_error', 'sandbox_error']);
  } finally {
    await pool.close();
  }
});
