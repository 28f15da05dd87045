// How evaluation results read in the table and the dashboard when the verifier failed on
// some or all samples: said, and never a bare 0% when nothing was judged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalCell, verifierFailedText } from '../../../shared/eval-report.js';

test('every sample judged: the rate alone', () => {
  assert.equal(evalCell(0.25, { failed: 0, samples: 800 }), '25.0%');
  assert.equal(evalCell(0.25, undefined), '25.0%');
  assert.equal(verifierFailedText('code', { failed: 0, samples: 800 }), null);
});

test('some samples failed in the verifier: the rate is marked, the count said', () => {
  assert.equal(evalCell(0.25, { failed: 3, samples: 800 }), '25.0%*');
  assert.equal(verifierFailedText('code', { failed: 3, samples: 800 }), 'code: verifier failed on 3/800 samples');
});

test('every sample failed in the verifier: no 0%, the failure instead', () => {
  assert.equal(evalCell(0, { failed: 800, samples: 800 }), 'verifier failed');
  assert.equal(evalCell(NaN, { failed: 800, samples: 800 }), 'verifier failed');
  assert.equal(verifierFailedText('code', { failed: 800, samples: 800 }), 'code: verifier failed on 800/800 samples');
  assert.equal(evalCell(NaN, undefined), '-', 'a domain not evaluated');
});
