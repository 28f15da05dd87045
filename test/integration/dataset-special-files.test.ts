// Every dataset read (stages, evals, curation, the lens) goes through readRows: a FIFO named
// as a dataset must not block it (a plain read waits for a writer forever), and a directory
// gets words, not a bare EISDIR (issue 14).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readRows } from '../../daemon/data/formats/index.js';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-special-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function rowsOf(file: string) {
  const out = [];
  for await (const r of readRows(file)) out.push(r);
  return out;
}

for (const ext of ['.jsonl', '.json', '.parquet']) {
  test(`readRows of a FIFO and of a directory named *${ext}: a clear error naming the file, no hang`, async () => {
    const fifo = path.join(dir, `pipe${ext}`);
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(rowsOf(fifo), (e: Error) => e.message === `${fifo}: not a regular file (it is a named pipe (FIFO))`);
    const folder = path.join(dir, `folder${ext}`);
    mkdirSync(folder);
    await assert.rejects(rowsOf(folder), (e: Error) => e.message === `${folder}: not a regular file (it is a directory)`);
    await assert.rejects(rowsOf(path.join(dir, `missing${ext}`)), /missing\.\w+: cannot read: no such file/);
  });
}

test('readRows still streams a regular JSONL file, lines numbered', async () => {
  const file = path.join(dir, 'ok.jsonl');
  writeFileSync(file, '{"problem": "a", "answer": "1"}\n\nnot json\n{"problem": "b", "answer": "2"}\n');
  const rows = await rowsOf(file);
  assert.deepEqual(rows.map((r) => [r.line, r.ok]), [[1, true], [3, false], [4, true]]);
});

test('rlvr curate --input a FIFO exits 1 with the file named, without waiting for a writer', () => {
  const fifo = path.join(dir, 'curate-input.jsonl');
  execFileSync('mkfifo', [fifo]);
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/rlvr.js'), 'curate', '--input', fifo, '--out', path.join(dir, 'out'), '--no-default-eval'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.signal, null, 'curate hung on the FIFO');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`${fifo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a regular file \\(it is a named pipe \\(FIFO\\)\\)`));
});
