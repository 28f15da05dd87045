// Completion in stage config files comes from the stage-config schema: at each place the
// fields that mapping may still take, and the allowed values after a field that has them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stageConfigCompletions } from '../../../daemon/server/stage-completion.js';

const text = ['seed: 1', 'eval:', '  k: 4', '  ', 'stages:', '  - name: m', '    kind: math', '    ', '    filter:', '      samples: 4', '      ', '  - ', ''].join('\n');
const labels = (t: string, line: number, character: number) => stageConfigCompletions(t, line, character).map((c) => c.label);

test('fields of the mapping at the cursor, without those it already has', () => {
  assert.deepEqual(labels(text, 3, 2), ['problems', 'temperature', 'top_p', 'max_response_length', 'datasets']);
  const stage = labels(text, 7, 4);
  assert.ok(stage.includes('group_size') && stage.includes('steps') && stage.includes('mask_truncated'), stage.join(', '));
  assert.ok(!stage.includes('name') && !stage.includes('kind') && !stage.includes('filter'), stage.join(', '));
  assert.deepEqual(labels(text, 10, 6), ['max_pass_rate', 'max_prompts']);
  assert.equal(labels(text, 11, 4)[0], 'name', 'a new list item is a new stage: every field, name first');
  assert.deepEqual(labels(text, 3, 0), ['model'], 'the root lacks only its model');
  const twoStages = 'stages:\n  - kind: math\n    \n  - name: b\n    steps: 3\n';
  assert.ok(labels(twoStages, 2, 4).includes('name'), 'the next stage\'s first field is not this stage\'s');
  assert.ok(labels(twoStages, 2, 4).includes('steps'), 'nor are its other fields');
});

test('a field comes with its type, default and description', () => {
  const temperature = stageConfigCompletions(text, 7, 4).find((c) => c.label === 'temperature')!;
  assert.equal(temperature.detail, 'number (default 1)');
  assert.equal(temperature.insertText, 'temperature: ');
  const steps = stageConfigCompletions(text, 7, 4).find((c) => c.label === 'steps')!;
  assert.match((steps.documentation as { value: string }).value, /Step budget/);
});

test('after a field with fixed values: those values', () => {
  assert.deepEqual(labels('stages:\n  - name: x\n    kind: ', 2, 10), ['sft', 'math', 'code']);
  assert.deepEqual(labels('stages:\n  - name: x\n    lr_schedule: c', 2, 18), ['constant', 'cosine']);
  assert.deepEqual(labels('model:\n  hf: ./m\n  save_dtype: ', 2, 14), ['source', 'f32', 'bf16']);
  assert.deepEqual(labels('stages:\n  - name: x\n    steps: ', 2, 11), [], 'a number has no list of values');
});
