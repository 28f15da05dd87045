// package.json's contributions are generated from the extension's tables
// (scripts/sync-manifest.mjs); this fails when one is edited without the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CATEGORY, COMMANDS } from '../../../extension/commands/table.js';
import { SETTINGS } from '../../../extension/settings.js';

interface Manifest {
  main: string;
  engines: { vscode: string };
  contributes: {
    commands: { command: string; title: string; category: string; icon?: string }[];
    configuration: { properties: Record<string, { type: string; default: unknown; description: string; enum?: string[] }> };
    menus: Record<string, { command: string }[]>;
    views: Record<string, { id: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as Manifest;
const hint = 'run `npm run sync:manifest` after editing extension/commands/table.ts or extension/settings.ts';

test('every command of the table is contributed under category RLVR, and nothing else', () => {
  const contributed = Object.fromEntries(manifest.contributes.commands.map((c) => [c.command, c]));
  assert.deepEqual(Object.keys(contributed).sort(), Object.keys(COMMANDS).sort(), hint);
  for (const [id, spec] of Object.entries(COMMANDS)) {
    assert.equal(contributed[id].title, spec.title, `${id}: ${hint}`);
    assert.equal(contributed[id].category, CATEGORY, `${id}: ${hint}`);
  }
  // The issue names these seven; they must stay in the palette.
  const titles = manifest.contributes.commands.map((c) => c.title);
  for (const t of ['Start RL stage', 'Stop stage', 'Open dashboard', 'Show rollouts', 'Compare expected/actual', 'Verify problem', 'Open run']) {
    assert.ok(titles.includes(t), `missing command "${t}"`);
  }
});

test('every setting of the table is contributed with the same type and default', () => {
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(SETTINGS).sort(), hint);
  for (const [key, spec] of Object.entries(SETTINGS)) {
    assert.equal(props[key].type, spec.type, `${key}: ${hint}`);
    assert.deepEqual(props[key].default, spec.default, `${key}: ${hint}`);
    assert.equal(props[key].description, spec.description, `${key}: ${hint}`);
  }
});

test('menus only name declared commands; the bundle and engine are what the e2e tests use', () => {
  const ids = new Set(Object.keys(COMMANDS));
  for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
    for (const e of entries) assert.ok(ids.has(e.command), `menu ${menu} names unknown command ${e.command}`);
  }
  assert.equal(manifest.main, './dist/extension.cjs');
  assert.equal(manifest.engines.vscode, '^1.100.0');
  assert.ok(manifest.contributes.views.rlvr.some((v) => v.id === 'rlvr.runs'));
});
