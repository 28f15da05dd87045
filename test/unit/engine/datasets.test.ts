// Every input shape `rlvr curate` reads loads, unchanged, as a stage dataset and as an
// evaluation dataset: curate's own kept.jsonl, JSON arrays, verl's RLHFDataset Parquet
// (chat-message prompt, reward_model.ground_truth, extra_info), the embedded generators'
// problems written out as JSON. A bad record fails the load naming file, line and field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { generateProblems } from '../../../daemon/data/embedded/index.js';
import { problemRecord, toProblem, isFieldError } from '../../../daemon/data/records/record.js';
import { loadEvalDataset, loadStageDataset } from '../../../daemon/engine/dataset.js';
import type { StageConfig } from '../../../shared/config.js';
import { taskOf } from '../../../shared/problem.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-datasets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Only name, kind and dataset matter to the loader.
const stage = (dataset: string, kind: StageConfig['kind'] = 'math') => ({ name: 's', kind, dataset }) as StageConfig;
/** A math RL stage's pool, then a code RL stage's, from the same file. */
const bothStages = async (dataset: string) => [...(await loadStageDataset(stage(dataset, 'math'), 0, dir)), ...(await loadStageDataset(stage(dataset, 'code'), 0, dir))];

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test("curate's kept.jsonl (math and code) trains and evaluates as written", async () => {
  const sources = [
    { question: 'What is 2+3?', solution: 'Add: \\boxed{5}' },
    { question: 'Print the sum of two numbers.', input_output: JSON.stringify({ inputs: ['1 2\n'], outputs: ['3\n'] }), solutions: JSON.stringify(['a,b=map(int,input().split())\nprint(a+b)']) },
    { question: 'Write f(x) returning x+1.', public_test_cases: JSON.stringify([{ input: '1', output: '2', testtype: 'functional' }]), metadata: JSON.stringify({ func_name: 'f' }), starter_code: 'def f(x):' },
  ];
  const kept = sources.map((r, i) => {
    const p = toProblem(r, 'raw.jsonl', i + 1);
    if (isFieldError(p)) assert.fail(`${p.field}: ${p.reason}`);
    return { ...problemRecord(p), pass_rate: 0.5 };
  });
  const file = write('kept.jsonl', kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const pool = await bothStages('kept.jsonl');
  assert.deepEqual(pool.map((p) => [p.kind, p.prompt]), sources.map((s, i) => [i === 0 ? 'math' : 'code', s.question]));
  assert.deepEqual(taskOf(pool[0]), { kind: 'math', answer: '5' });
  assert.deepEqual(taskOf(pool[1]), { kind: 'code', tests: [{ input: '1 2\n', output: '3\n' }] });
  assert.equal(pool[2].fn_name, 'f');
  assert.equal(pool[2].starterCode, 'def f(x):');
  // Evaluation takes each domain's own problems from a mixed file.
  assert.deepEqual((await loadEvalDataset(file, 'math', 10, dir)).map((p) => p.prompt), ['What is 2+3?']);
  assert.equal((await loadEvalDataset(file, 'code', 1, dir)).length, 1);
});

test("verl's RLHFDataset Parquet: chat prompt, reward_model.ground_truth, extra_info, ability", async () => {
  const file = path.join(dir, 'verl.parquet');
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'data_source', data: ['openai/gsm8k', 'codecontests'], type: 'STRING' },
      {
        name: 'prompt',
        data: [
          [{ role: 'system', content: 'Reason step by step.' }, { role: 'user', content: 'What is 6*7?' }],
          [{ role: 'user', content: 'Read n; print 2n.' }],
        ],
      },
      { name: 'ability', data: ['math', 'code'], type: 'STRING' },
      { name: 'reward_model', data: [{ style: 'rule', ground_truth: '42' }, { style: 'rule', ground_truth: JSON.stringify({ inputs: ['2\n'], outputs: ['4\n'] }) }] },
      { name: 'extra_info', data: [{ split: 'train', index: 0 }, { split: 'train', index: 1 }] },
    ],
  });
  const pool = await bothStages('verl.parquet');
  assert.deepEqual(pool.map(taskOf), [{ kind: 'math', answer: '42' }, { kind: 'code', tests: [{ input: '2\n', output: '4\n' }] }]);
  assert.deepEqual(pool.map((p) => p.prompt), ['What is 6*7?', 'Read n; print 2n.']);
  assert.equal((await loadEvalDataset(file, 'math', 5, dir))[0].source.line, 1);
});

test("the embedded generators' problems as JSON (array and lines), old and new shapes, for rl and sft stages", async () => {
  const problems = [...generateProblems('math', 'train', 3, 1), ...generateProblems('code', 'train', 3, 1)];
  const asJson = write('embedded.json', JSON.stringify(problems, null, 2));
  // The shape the generators had before the shared Problem: {domain, level, prompt, solution, task}.
  const oldShape = problems.map((p) => ({ id: p.id, domain: p.kind, level: p.level, prompt: p.prompt, solution: p.solution, task: taskOf(p) }));
  write('embedded-old.jsonl', oldShape.map((r) => JSON.stringify(r)).join('\n'));
  for (const name of [asJson, 'embedded-old.jsonl']) {
    const pool = await loadStageDataset(stage(name, 'sft'), 0, dir);
    assert.deepEqual(pool.map((p) => [p.id, p.kind, p.prompt, p.solution, p.level]), problems.map((p) => [p.id, p.kind, p.prompt, p.solution, p.level]), name);
    assert.deepEqual(pool.map(taskOf), problems.map(taskOf), name);
  }
});

test('a bad record fails the load naming file, line and field; an sft stage needs solutions', async () => {
  write('bad.jsonl', [JSON.stringify({ problem: 'What is 1+1?', answer: '2' }), JSON.stringify({ problem: 'What is 2+2?' })].join('\n'));
  await assert.rejects(loadStageDataset(stage('bad.jsonl'), 0, dir), (e: Error) => e.message.startsWith(`${path.join(dir, 'bad.jsonl')}:2: answer: no answer`));
  write('nosolution.jsonl', JSON.stringify({ problem: 'What is 1+1?', answer: '2' }));
  await assert.rejects(loadStageDataset(stage('nosolution.jsonl', 'sft'), 0, dir), /nosolution\.jsonl:1: solution: an sft stage needs a reference solution/);
  write('broken.jsonl', '{"problem": "x", ');
  await assert.rejects(loadEvalDataset('broken.jsonl', 'math', 5, dir), /broken\.jsonl:1: invalid JSON/);
  await assert.rejects(loadStageDataset(stage('missing.jsonl'), 0, dir), /cannot read dataset .*missing\.jsonl/);
  // An RL stage on a file without its kind of problem says so.
  write('math-only.jsonl', JSON.stringify({ problem: 'What is 1+1?', answer: '2' }));
  await assert.rejects(loadStageDataset(stage('math-only.jsonl', 'code'), 0, dir), /stage s: .*math-only\.jsonl holds no code problems \(1 math\)/);
});
