// `rlvr curate --format verl`: kept problems as Parquet in verl's RLHFDataset schema (columns of
// verl's examples/data_preprocess/gsm8k.py at volcengine/verl b178a3cd), read back by
// `rlvr curate` into the same problems. pyarrow is not checked here: Debian 12 ships no
// python3-pyarrow (see the README's verl section).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { MATH_INSTRUCTION } from '../../daemon/model/hf/prompts.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-curate-verl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = path.join(PROJECT_ROOT, 'bin/rlvr.js');
const rlvr = (...args: string[]) => spawnSync(process.execPath, [bin, 'curate', ...args], { encoding: 'utf8', timeout: 120_000 });
const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

const RECORDS = [
  { problem: 'A rectangle has perimeter 30 and its length is twice its width. What is its area?', answer: '50' },
  { question: 'Compute the sum $1 + 2 + \\cdots + 20$.', solution: 'Pair terms: $10 \\cdot 21 = \\boxed{210}$.' },
  {
    question: 'Read two integers a and b from one line and print their sum.',
    input_output: JSON.stringify({ inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] }),
    solutions: ['a, b = map(int, input().split())\nprint(a + b)'],
  },
  {
    question: 'Return the sum of a list of integers.',
    input_output: { fn_name: 'total', inputs: [[[1, 2, 3]], [[5]]], outputs: [6, 5] },
    solutions: ['def total(xs):\n    return sum(xs)'],
  },
];

test('curate --format verl writes kept.parquet in the RLHFDataset schema, and curate reads it back', async () => {
  const input = path.join(dir, 'mixed.jsonl');
  writeFileSync(input, RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = path.join(dir, 'out');
  const r = rlvr('--input', input, '--out', out, '--format', 'verl', '--no-default-eval');
  assert.equal(r.status, 0, r.stderr);
  const parquet = path.join(out, 'kept.parquet');
  assert.match(r.stdout, new RegExp(`wrote .*${parquet.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // Columns and nesting as verl's preprocessors write them.
  const file = await asyncBufferFromFile(parquet);
  const schema = parquetSchema(await parquetMetadataAsync(file));
  const shape = (n: typeof schema): unknown => (n.children.length ? Object.fromEntries(n.children.map((c) => [c.element.name, shape(c)])) : n.element.type);
  assert.deepEqual(shape(schema), {
    data_source: 'BYTE_ARRAY',
    prompt: { list: { element: { content: 'BYTE_ARRAY', role: 'BYTE_ARRAY' } } },
    ability: 'BYTE_ARRAY',
    reward_model: { ground_truth: 'BYTE_ARRAY', style: 'BYTE_ARRAY' },
    extra_info: { index: 'INT64', problem_id: 'BYTE_ARRAY', question: 'BYTE_ARRAY', split: 'BYTE_ARRAY', starter_code: 'BYTE_ARRAY', solution: 'BYTE_ARRAY' },
  });

  const rows = (await parquetReadObjects({ file })) as Record<string, any>[];
  assert.equal(rows.length, 4);
  assert.deepEqual(rows.map((x) => x.data_source), ['mixed', 'mixed', 'mixed', 'mixed']);
  assert.deepEqual(rows.map((x) => x.ability), ['math', 'math', 'code', 'code']);
  assert.deepEqual(rows[0].prompt, [{ role: 'user', content: `${RECORDS[0].problem}\n\n${MATH_INSTRUCTION}` }].map((m) => ({ content: m.content, role: m.role })));
  assert.deepEqual(rows[0].reward_model, { ground_truth: '50', style: 'rule' });
  assert.deepEqual(rows[1].reward_model, { ground_truth: '210', style: 'rule' });
  assert.equal(rows[2].prompt[0].role, 'user');
  assert.match(rows[2].prompt[0].content, /^Read two integers.*\n\n[\s\S]*```python/);
  assert.deepEqual(JSON.parse(rows[2].reward_model.ground_truth), { inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] });
  // Call tests in TACO's shape: each case's arguments as an array, the result as a value.
  assert.deepEqual(JSON.parse(rows[3].reward_model.ground_truth), { inputs: [[[1, 2, 3]], [[5]]], outputs: [6, 5], fn_name: 'total' });
  assert.deepEqual(
    rows.map((x) => ({ ...x.extra_info, index: Number(x.extra_info.index) })),
    [0, 1, 2, 3].map((i) => ({
      index: i,
      split: 'train',
      problem_id: `mixed.jsonl:${i + 1}`,
      question: (RECORDS[i] as { problem?: string; question?: string }).problem ?? (RECORDS[i] as { question: string }).question,
      starter_code: null,
      // Code problems' reference programs go as a fenced response (what our `solution` holds).
      solution: (RECORDS[i] as { solution?: string }).solution ?? ((RECORDS[i] as { solutions?: string[] }).solutions ? '```python\n' + (RECORDS[i] as { solutions: string[] }).solutions[0] + '\n```' : null),
    })),
  );

  // Read back: the same problems (statement, answer or tests, fn_name, solution), ids kept.
  const back = path.join(dir, 'back');
  const r2 = rlvr('--input', parquet, '--out', back, '--no-default-eval');
  assert.equal(r2.status, 0, r2.stderr);
  const strip = (rec: Record<string, unknown>) => {
    const { source: _s, solutions: _x, solution: _y, ...rest } = rec;
    return rest;
  };
  const backRows = readJsonl(path.join(back, 'kept.jsonl'));
  assert.deepEqual(backRows.map(strip), readJsonl(path.join(out, 'kept.jsonl')).map(strip));
  assert.deepEqual(backRows.map((r) => r.solution ?? null), rows.map((x) => x.extra_info.solution), 'solutions read back as written');
});

test('curate --format refuses an unknown format', () => {
  const r = rlvr('--input', 'a.jsonl', '--out', dir, '--format', 'arrow');
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "rlvr curate: --format: expected jsonl or verl, got 'arrow'");
});
