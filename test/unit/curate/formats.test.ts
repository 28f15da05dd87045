// Readers: a bad row is reported with file and line, and reading goes on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { readRows, type RowResult } from '../../../daemon/data/formats/index.js';
import { loadProblems } from '../../../daemon/data/curate/pipeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-curate-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function all(file: string): Promise<RowResult[]> {
  const out: RowResult[] = [];
  for await (const r of readRows(file)) out.push(r);
  return out;
}

test('a malformed JSONL line is reported with file and line, and the rest are read', async () => {
  const file = path.join(dir, 'bad.jsonl');
  writeFileSync(file, ['{"problem": "What is 2+3?", "answer": "5"}', '{"problem": "broken", ', '', '{"problem": "What is 4+4?", "answer": "8"}'].join('\n'));
  const rows = await all(file);
  assert.equal(rows.length, 3);
  const bad = rows.find((r) => !r.ok)!;
  assert.equal(bad.line, 2);
  assert.equal(bad.file, file);
  assert.match((bad as { reason: string }).reason, /^invalid JSON/);
  assert.deepEqual(rows.filter((r) => r.ok).map((r) => r.line), [1, 4]);

  const loaded = await loadProblems([file]);
  assert.equal(loaded.problems.length, 2);
  assert.equal(loaded.errors.length, 1);
  assert.equal(loaded.errors[0].source, `${file}:2`);
});

test('a record without the needed field is reported with the field', async () => {
  const file = path.join(dir, 'noanswer.jsonl');
  writeFileSync(file, '{"problem": "Find the sum of the first ten primes."}\n{"text": "no prompt here at all"}\n');
  const { errors } = await loadProblems([file], { kind: 'math' });
  assert.equal(errors.length, 2);
  assert.equal(errors[0].field, 'answer');
  assert.equal(errors[0].source, `${file}:1`);
  assert.equal(errors[1].field, 'problem');
  assert.match(errors[1].reason, /--map problem=PATH/);
});

test('a JSON array gives each element the line where it starts', async () => {
  const file = path.join(dir, 'arr.json');
  writeFileSync(file, '[\n  {"problem": "a [tricky] \\"one\\" {x}",\n   "answer": "1"},\n  {"problem": "two", "answer": "2"}\n]\n');
  const rows = await all(file);
  assert.deepEqual(rows.map((r) => r.line), [2, 4]);
});

test('Parquet rows are read with their row numbers', async () => {
  const file = path.join(dir, 'math.parquet');
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'problem', data: ['What is $3 \\cdot 7$?', 'Compute $2^{10}$ exactly.'], type: 'STRING' },
      { name: 'answer', data: ['21', '1024'], type: 'STRING' },
      { name: 'level', data: [1n, 2n], type: 'INT64' },
    ],
  });
  const rows = await all(file);
  assert.deepEqual(
    rows.map((r) => (r.ok ? [r.line, r.value] : null)),
    [
      [1, { problem: 'What is $3 \\cdot 7$?', answer: '21', level: 1 }],
      [2, { problem: 'Compute $2^{10}$ exactly.', answer: '1024', level: 2 }],
    ],
  );
});

test('gzip-compressed Parquet (as many exported datasets are) is read too', async () => {
  const file = path.join(dir, 'gzip.parquet');
  parquetWriteFile({
    filename: file,
    codec: 'GZIP',
    compressors: { GZIP: (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes)) },
    columnData: [{ name: 'question', data: ['Find $x$ if $2x = 10$.'], type: 'STRING' }, { name: 'answer', data: ['5'], type: 'STRING' }],
  });
  const rows = await all(file);
  assert.deepEqual(rows.map((r) => r.ok && r.value), [{ question: 'Find $x$ if $2x = 10$.', answer: '5' }]);
});

test('a file that is not Parquet is one reported row, not a crash', async () => {
  const file = path.join(dir, 'fake.parquet');
  writeFileSync(file, 'not parquet at all');
  const rows = await all(file);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].ok, false);
});

test('an unknown extension is a clear error', async () => {
  await assert.rejects(all(path.join(dir, 'x.csv')), /unsupported dataset format '\.csv'/);
});
