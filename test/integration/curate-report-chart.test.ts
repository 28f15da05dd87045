// report.json -> what the curation report webview draws: a real report from `rlvr curate`
// (rule filters, dedup, difficulty by the shipped warm start) on a tiny input, then the
// edge cases of the keep range and of malformed reports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { CurateReport } from '../../shared/curate.js';
import { curateReportProblem, droppedReasons, reportChartData } from '../../shared/curate-view.js';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

/** Seven rows: a malformed one, a multiple-choice one, a duplicate, and four arithmetic problems for the warm start. */
const TINY_INPUT = [
  { problem: '7-2=?', answer: '5' },
  { problem: '3+4=?', answer: '7' },
  { problem: '3+4*5=?', answer: '23' },
  { problem: '8-5=?', answer: '3' },
  { problem: 'Which is larger? (A) 2 (B) 3', answer: 'B' },
  '{"problem": oops}',
  { problem: '7-2=?', answer: '5' },
].map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

test('a report from `rlvr curate` becomes per-filter bars and a difficulty histogram', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-report-chart-'));
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, TINY_INPUT);
  const out = path.join(dir, 'out');
  const r = spawnSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'rlvr.js'), 'curate', '--input', input, '--out', out, '--skip', 'too-short', '--no-default-eval',
      '--checkpoint', path.join(PROJECT_ROOT, 'daemon', 'assets', 'warmstart'), '--k', '4'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as CurateReport;
  assert.equal(curateReportProblem(report), null);
  const chart = reportChartData(report);

  assert.deepEqual(chart.totals, { rows: 7, kept: report.kept, dropped: 7 - report.kept, readErrors: 1, problems: { math: 6, code: 0 } });
  // Unreadable rows first, then the filters in the order they ran; code-only filters are left out (no code input).
  assert.equal(chart.filters[0].name, 'read');
  assert.deepEqual([chart.filters[0].seen, chart.filters[0].dropped], [7, 1]);
  const names = chart.filters.map((f) => f.name);
  for (const codeOnly of ['no-tests', 'interactive', 'special-judge', 'weak-tests', 'reference-fails']) assert.ok(!names.includes(codeOnly), codeOnly);
  assert.ok(!names.includes('too-short'), 'a skipped filter has no bar');
  for (const f of chart.filters) assert.equal(f.kept + f.dropped, f.seen, f.name);
  const byName = Object.fromEntries(chart.filters.map((f) => [f.name, f]));
  assert.equal(byName['multiple-choice'].dropped, 1);
  assert.equal(byName['exact-duplicate'].dropped, 1);
  // Every record is accounted for: each dropped one by exactly one bar.
  assert.equal(chart.filters.reduce((n, f) => n + f.dropped, 0), chart.totals.dropped);

  const h = chart.histogram;
  assert.ok(h, 'the difficulty filter ran');
  assert.equal(h.k, 4);
  assert.deepEqual(h.bars.map((b) => b.label), ['0/4', '1/4', '2/4', '3/4', '4/4']);
  // Default range (0, 1): never- and always-solved bars are the dropped ones.
  assert.deepEqual(h.bars.map((b) => b.kept), [false, true, true, true, false]);
  assert.equal(h.range, '(0, 1)');
  assert.equal(h.bars.reduce((n, b) => n + b.problems, 0), byName.difficulty.seen, 'one histogram entry per problem scored');
  assert.equal(h.bars.filter((b) => b.kept).reduce((n, b) => n + b.problems, 0), byName.difficulty.kept);

  // Why, per filter, from dropped.jsonl: as many records as the bars say.
  const reasons = droppedReasons(readFileSync(path.join(out, 'dropped.jsonl'), 'utf8').split('\n'));
  for (const f of chart.filters.filter((x) => x.dropped > 0)) {
    const r = reasons[f.name];
    assert.ok(r, `reasons for ${f.name}`);
    assert.equal(r.reasons.reduce((n, x) => n + x.count, 0) + r.others, f.dropped, f.name);
  }
  assert.deepEqual(reasons['exact-duplicate'].reasons, [{ reason: `same text as ${path.basename(input)}:…`, count: 1 }]);
  for (const r of reasons.difficulty.reasons) assert.match(r.reason, /^pass rate [04]\/4 outside \(0, 1\)$/);
});

test('reasons group by form (a file:line reference does not split them), most frequent first, the rest counted', () => {
  const line = (filter: string, reason: string) => JSON.stringify({ filter, reason, source: 'a.jsonl:1' });
  const lines = [
    line('exact-duplicate', 'same text as /d/a.jsonl:3'),
    line('exact-duplicate', 'same text as /d/a.jsonl:9'),
    line('near-duplicate', 'near-duplicate of b.jsonl:2 (Jaccard 0.91)'),
    ...['a', 'b', 'b', 'c', 'd', 'e', 'f'].map((x) => line('figure', `refers to ${x}`)),
    '{"filter": "figure", "rea',
  ];
  const r = droppedReasons(lines, 3);
  assert.deepEqual(r['exact-duplicate'], { reasons: [{ reason: 'same text as /d/a.jsonl:…', count: 2 }], others: 0 });
  assert.deepEqual(r['near-duplicate'].reasons, [{ reason: 'near-duplicate of b.jsonl:… (Jaccard 0.91)', count: 1 }]);
  assert.deepEqual(r.figure, { reasons: [{ reason: 'refers to b', count: 2 }, { reason: 'refers to a', count: 1 }, { reason: 'refers to c', count: 1 }], others: 3 });
});

const base: CurateReport = {
  inputs: [{ file: 'a.jsonl', rows: 3, read_errors: 0 }],
  rows: 3,
  problems: { math: 0, code: 3 },
  kept: 1,
  dropped: 2,
  read_errors: 0,
  filters: [
    { name: 'proof', kinds: ['math'], description: 'asks for a proof', seen: 0, dropped: 0, seconds: 0, per_s: 0 },
    { name: 'no-tests', kinds: ['code'], description: 'no test cases', seen: 3, dropped: 0, seconds: 0, per_s: 0 },
    { name: 'difficulty', kinds: ['math', 'code'], description: 'pass rate', seen: 3, dropped: 2, seconds: 0, per_s: 0 },
  ],
  eval_files: [],
  difficulty: { k: 8, min_pass: 0.25, max_pass: 0.5, histogram: [1, 0, 1, 0, 1, 0, 0, 0, 0] },
};

test('a configured keep range marks exactly the bars inside it; no read bar without read errors', () => {
  const chart = reportChartData(base);
  assert.deepEqual(chart.filters.map((f) => f.name), ['no-tests', 'difficulty']);
  assert.deepEqual(chart.histogram!.bars.filter((b) => b.kept).map((b) => b.passes), [2, 3, 4]);
  assert.equal(chart.histogram!.range, '[0.25, 0.5]');
  assert.equal(reportChartData({ ...base, difficulty: undefined }).histogram, null);
});

test('a file that is not a curation report is refused, naming the field', () => {
  assert.equal(curateReportProblem([]), 'expected a JSON object');
  assert.equal(curateReportProblem({ ...base, filters: 'x' }), 'filters: expected an array');
  assert.equal(curateReportProblem({ ...base, kept: '1' }), 'kept: expected a number');
  assert.equal(curateReportProblem({ ...base, filters: [{ name: 'x' }] }), 'filters[0]: expected {name, kinds, seen, dropped}');
  assert.equal(curateReportProblem({ ...base, difficulty: { k: 8, histogram: [1, 2] } }), 'difficulty: expected {k, histogram[k + 1]}');
});
