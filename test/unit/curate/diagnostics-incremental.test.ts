// The editor re-checks an open dataset on every edit: DatasetChecker keeps what it found per
// record, so an edit re-reads only the records it touched and matches again for near
// duplicates only the records whose LSH bands changed. Its findings must be exactly those of
// a check from scratch, whatever the edit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatasetChecker, datasetProblems, diagnoseDataset } from '../../../daemon/data/curate/diagnostics.js';
import { Rng } from '../../../daemon/util/random.js';

const WORDS = 'apple river stone seven circle triangle number prime integer square root angle value sum product digit ratio area volume sphere cube edge point line plane graph vertex path color coin dice card'.split(' ');

/** Problems from a few templates: exact copies, near copies (one word changed), strangers, bad rows. */
function dataset(n: number, rng: Rng): string[] {
  const word = () => WORDS[Math.floor(rng.next() * WORDS.length)];
  const templates = Array.from({ length: 40 }, () => Array.from({ length: 24 + Math.floor(rng.next() * 10) }, word));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    const t = templates[Math.floor(rng.next() * templates.length)].slice();
    if (r < 0.3) t[Math.floor(rng.next() * t.length)] = word(); // a near copy
    else if (r < 0.6) for (let j = 0; j < t.length; j++) t[j] = word(); // a stranger
    if (r > 0.97) lines.push('{"problem": broken');
    else if (r > 0.95) lines.push(JSON.stringify({ problem: t.join(' ') }));
    else if (r > 0.93) lines.push('');
    else lines.push(JSON.stringify({ problem: `What is the ${t.join(' ')}?`, answer: String(i % 17) }));
  }
  return lines;
}

function edit(lines: string[], rng: Rng, step: number): void {
  const at = () => Math.floor(rng.next() * lines.length);
  switch (step % 7) {
    case 0: lines.splice(at(), 0, lines[at()]); break; // paste a copy of another record
    case 1: lines[at()] = JSON.stringify({ problem: `An edited problem ${step} about ${WORDS[step % WORDS.length]} and more words here`, answer: '1' }); break;
    case 2: lines.splice(at(), 1 + Math.floor(rng.next() * 3)); break;
    case 3: { const i = at(), j = at(); [lines[i], lines[j]] = [lines[j], lines[i]]; break; } // two records swap
    case 4: lines.splice(lines.findIndex((l) => l.startsWith('{"problem":"What')), 1); break; // an early original goes
    case 5: lines[at()] = lines[at()].replace('the', 'the the'); break;
    default: lines.push(lines[at()]);
  }
}

test('edited again and again, the kept checker finds exactly what a fresh check finds', () => {
  const rng = new Rng(7);
  const lines = dataset(600, rng);
  const checker = new DatasetChecker();
  for (let step = 0; step < 42; step++) {
    const text = lines.join('\n');
    assert.deepEqual(checker.diagnose(text, 'd.jsonl'), diagnoseDataset(text, 'd.jsonl'), `after edit ${step}`);
    assert.deepEqual(checker.problems(text, 'd.jsonl'), datasetProblems(text, 'd.jsonl'), `problems after edit ${step}`);
    edit(lines, rng, step);
  }
  const found = diagnoseDataset(lines.join('\n'), 'd.jsonl');
  for (const source of ['parse', 'field', 'exact-duplicate', 'near-duplicate']) assert.ok(found.some((d) => d.source === source), `the data exercises ${source}`);
});

test('one edited line in 5,000 is the only record read again, and few are matched again', () => {
  const lines = dataset(5000, new Rng(11));
  const checker = new DatasetChecker();
  checker.diagnose(lines.join('\n'), 'd.jsonl');
  assert.equal(checker.lastCheck.checked, new Set(lines.filter((l) => l.trim())).size, 'the first check reads every distinct record once');
  const i = lines.findIndex((l, k) => k > 2500 && l.startsWith('{"problem":"What'));
  lines[i] = JSON.stringify({ problem: 'A brand new problem about nothing in particular at all, to be solved.', answer: '3' });
  checker.diagnose(lines.join('\n'), 'd.jsonl');
  assert.equal(checker.lastCheck.checked, 1);
  assert.ok(checker.lastCheck.rematched < 100, `${checker.lastCheck.rematched} of ${checker.lastCheck.records} matched again`);
  lines.splice(10, 0, JSON.stringify({ problem: 'Inserted near the top, so every later record moves down a line.', answer: '4' }));
  const moved = checker.diagnose(lines.join('\n'), 'd.jsonl');
  assert.equal(checker.lastCheck.checked, 1);
  assert.deepEqual(moved, diagnoseDataset(lines.join('\n'), 'd.jsonl'));
});
