import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { authorize } from '../../../daemon/server/auth.js';
import { PARAMS } from '../../../daemon/server/handlers.js';
import { Methods } from '../../../shared/protocol.js';

test('every method has a parameter checker', () => {
  assert.deepEqual(Object.keys(PARAMS).sort(), Object.keys(Methods).sort());
});

test('checkers keep valid params, drop absent optionals, and name the bad field', () => {
  assert.deepEqual(PARAMS.queryRollouts({ runId: 'r', step: 2, truncated: false }, 'params'), { runId: 'r', step: 2, truncated: false });
  assert.deepEqual(PARAMS.listRuns(undefined, 'params'), {});
  assert.throws(() => PARAMS.queryRollouts({ runId: 'r', verdict: 'great' }, 'params'), /params\.verdict must be one of correct, wrong/);
  assert.throws(() => PARAMS.listRuns({ offset: -1 }, 'params'), /params\.offset must be an integer >= 0, got number/);
  assert.throws(() => PARAMS.startRun({ stages: ['a', 3] }, 'params'), /params\.stages\[1\] must be a non-empty string/);
  assert.throws(() => PARAMS.verify({ task: { kind: 'physics' }, response: '' }, 'params'), /params\.task\.kind must be one of math, code/);
  assert.deepEqual(PARAMS.verify({ task: { kind: 'code', tests: { functional: 'assert f(1) == 2' }, fn_name: 'f' }, response: 'x' }, 'params'), {
    task: { kind: 'code', tests: { functional: 'assert f(1) == 2' }, fn_name: 'f' },
    response: 'x',
  });
  assert.throws(() => PARAMS.getRollout({ id: 1.5 }, 'params'), (e: { code: number; data: { field: string } }) => e.code === -32602 && e.data.field === 'params.id');
});

test('auth: Origin refused even with the token; token by header or query; wrong and missing refused', () => {
  const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;
  assert.deepEqual(authorize(req('/?token=s3cret'), 's3cret'), { ok: true });
  assert.deepEqual(authorize(req('/', { authorization: 'Bearer s3cret' }), 's3cret'), { ok: true });
  assert.equal(authorize(req('/?token=s3cret', { origin: 'vscode-webview://x' }), 's3cret').ok, false);
  const wrong = authorize(req('/?token=s3cre'), 's3cret');
  assert.deepEqual(wrong, { ok: false, status: 401, reason: 'wrong token' });
  assert.equal(authorize(req('/'), 's3cret').ok, false);
});
