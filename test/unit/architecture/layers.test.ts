// Layers only point down, and no module imports itself back through others (issue 13). Read
// from the real imports (import-graph.ts). The order is DESIGN.md's data flow: the verifiers,
// the models and the run store know nothing of training; data formats and generators sit on
// them; the engine trains from data; curation samples a policy, so it sits above the engine;
// verl interop uses curation, the engine and the store; the server and the CLI drive it all.
// The extension and the dashboards talk to the daemon only over the protocol: they import
// shared/ and nothing from daemon/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../../daemon/data/fixtures.js';
import { importCycles, importGraph } from './import-graph.js';

/** Lowest first. A module may import its own folder's layer entry and any lower layer. Longest prefix wins. */
const DAEMON_LAYERS: string[][] = [
  ['shared/'],
  ['daemon/util/'],
  ['daemon/verify/', 'daemon/model/', 'daemon/store/'],
  ['daemon/data/'],
  ['daemon/engine/'],
  ['daemon/data/curate/'],
  ['daemon/verl/'],
  ['daemon/server/', 'daemon/setup/'],
  ['daemon/cli/'],
  ['daemon/bench/'],
];

/** Folders that are their own world: they may import themselves and shared/ only. */
const CLIENTS = ['extension/', 'webview/'];

function placeInDaemon(file: string): { layer: number; entry: string } | null {
  let best: { layer: number; entry: string } | null = null;
  DAEMON_LAYERS.forEach((entries, layer) => {
    for (const entry of entries) if (file.startsWith(entry) && (!best || entry.length > best.entry.length)) best = { layer, entry };
  });
  return best;
}

export function layerViolations(graph: Map<string, string[]>): string[] {
  const violations: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const client = CLIENTS.find((c) => from.startsWith(c));
      if (client) {
        if (!to.startsWith(client) && !to.startsWith('shared/')) violations.push(`${from} imports ${to}: ${client} may import only itself and shared/`);
        continue;
      }
      const a = placeInDaemon(from);
      const b = placeInDaemon(to);
      if (!a || !b) {
        violations.push(`${from} imports ${to}: ${!a ? from : to} is in no declared layer`);
        continue;
      }
      if (a.entry === b.entry) continue;
      if (b.layer >= a.layer) {
        violations.push(`${from} imports ${to}: ${a.entry} (layer ${a.layer}) may not import ${b.entry} (layer ${b.layer}${b.layer === a.layer ? ', a peer' : ', above it'})`);
      }
    }
  }
  return violations;
}

const graph = importGraph(PROJECT_ROOT);

test('the import graph is read from the real sources', () => {
  // A broken reader would pass every rule below vacuously.
  assert.ok(graph.size > 200, `only ${graph.size} modules found`);
  assert.ok(graph.get('daemon/cli/main.ts')?.length, 'daemon/cli/main.ts imports nothing?');
  assert.ok([...graph.values()].some((t) => t.includes('shared/protocol.ts')));
});

test('no import cycles', () => {
  const cycles = importCycles(graph).map((c) => c.join(' -> '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test('layers only point down; the extension and the dashboards import only shared/', () => {
  const violations = layerViolations(graph);
  assert.deepEqual(violations, [], `upward or sideways imports:\n${violations.join('\n')}`);
});

test('the rules catch what they forbid', () => {
  const bad = new Map<string, string[]>([
    ['daemon/store/run-store.ts', ['daemon/engine/api.ts']],
    ['extension/config.ts', ['daemon/store/paths.ts']],
    ['daemon/model/policy.ts', ['daemon/verify/judge.ts']],
    ['daemon/data/records/record.ts', ['daemon/data/curate/text.ts']],
    ['a.ts', ['b.ts']],
    ['b.ts', ['a.ts']],
  ]);
  assert.equal(layerViolations(bad).length, 6);
  assert.deepEqual(importCycles(bad), [['a.ts', 'b.ts', 'a.ts']]);
});
