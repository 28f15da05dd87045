// The JSON Schema editors complete stage files with comes from the same schema as the
// validator (shared/config.ts): the committed file must be what it generates, and it must
// accept what the validator accepts and refuse what it refuses, field by field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../daemon/data/fixtures.js';
import { stageConfigJsonSchema, validate } from '../../../shared/config.js';

const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schemas', 'stage-config.schema.json');
const checkAgainstSchema = new Ajv2020({ allErrors: true, strict: false }).compile(stageConfigJsonSchema());

test('schemas/stage-config.schema.json is what the schema generates (run `npm run schema` after changing shared/config.ts)', () => {
  assert.deepEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), stageConfigJsonSchema());
});

test('package.json points editors at it for stage files', () => {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { contributes: { yamlValidation: { url: string; fileMatch: string[] }[] } };
  const [entry] = manifest.contributes.yamlValidation;
  assert.equal(path.join(PROJECT_ROOT, entry.url), SCHEMA_FILE);
  assert.ok(entry.fileMatch.includes('*.stages.yaml'));
});

test('the JSON Schema and the validator agree on the shipped configs and on broken ones', () => {
  const shipped = ['test/configs/tiny.yaml', 'daemon/assets/default.yaml', 'daemon/assets/warmstart.yaml', 'daemon/assets/offpolicy.yaml', 'daemon/assets/hf-math.yaml'];
  for (const rel of shipped) {
    const config = parse(readFileSync(path.join(PROJECT_ROOT, rel), 'utf8')) as unknown;
    assert.deepEqual(validate(config).errors, [], rel);
    assert.ok(checkAgainstSchema(config), `${rel}: ${JSON.stringify(checkAgainstSchema.errors)}`);
  }
  const stage = { name: 'm', kind: 'math', dataset: 'embedded:math', max_response_length: 32, group_size: 8, prompts_per_step: 4, learning_rate: 3e-5, steps: 10 };
  const broken: Record<string, unknown> = {
    'group_size as a word': { stages: [{ ...stage, group_size: 'eight' }] },
    'an RL group of one': { stages: [{ ...stage, group_size: 1 }] },
    'an unknown stage field': { stages: [{ ...stage, stepz: 3 }] },
    'a missing step budget': { stages: [{ ...stage, steps: undefined }] },
    'an unknown kind': { stages: [{ ...stage, kind: 'mth' }] },
    'top_p above 1': { stages: [{ ...stage, top_p: 1.5 }] },
    'no stages': { stages: [] },
    'a bad save_dtype': { model: { hf: './m', save_dtype: 'fp8' }, stages: [stage] },
    'an unknown eval field': { eval: { kk: 3 }, stages: [stage] },
  };
  for (const [what, config] of Object.entries(broken)) {
    const plain = JSON.parse(JSON.stringify(config)) as unknown; // drops the undefined field, as YAML would not have it
    assert.notDeepEqual(validate(plain).errors, [], `validator accepts ${what}`);
    assert.equal(checkAgainstSchema(plain), false, `JSON Schema accepts ${what}`);
  }
});
