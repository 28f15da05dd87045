// `rlvr curate` on input whose every row is unreadable exits 1 and says so (issue 14 item 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './daemon.js';

test('curate exits 1 when every row was unreadable, naming the input', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-curate-bad-'));
  const input = path.join(dir, 'bad.jsonl');
  writeFileSync(input, '{"prompt": \nnot json\n[1,2\n');
  const r = await runCli(['curate', '--input', input, '--out', path.join(dir, 'out')], 60_000);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /every one of the 3 rows in .*bad\.jsonl was unreadable/);
});
