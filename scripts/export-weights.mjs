// `node scripts/export-weights.mjs CHECKPOINT DST`: copy a policy checkpoint's weights (no
// optimizer state) to DST - how daemon/assets/warmstart/ is made from a warm-start run.
// CHECKPOINT is a policy folder or a run checkpoint folder holding policy/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportWeightsOnly } from '../out/daemon/engine/checkpoints.js';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error('usage: node scripts/export-weights.mjs CHECKPOINT DST');
  process.exit(2);
}
const policyDir = existsSync(path.join(src, 'manifest.json')) ? src : path.join(src, 'policy');
await exportWeightsOnly(policyDir, dst);
console.log(`weights of ${policyDir} -> ${dst}`);
