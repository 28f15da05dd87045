// `npm test`: every layer in order (unit, integration over a real socket, end-to-end in
// code-server when its dependencies are installed), then one closing count line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const layers = ['out/test/unit', 'out/test/integration'].filter((d) => existsSync(d));
let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;

function count(output, label) {
  const m = output.match(new RegExp(`^\\S*\\s*${label} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

for (const dir of layers) {
  console.log(`\n=== ${dir} ===`);
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout);
  passed += count(r.stdout, 'pass');
  failed += count(r.stdout, 'fail');
  skipped += count(r.stdout, 'skipped');
  if (r.status !== 0) exitCode = 1;
}

if (existsSync('test/e2e/run.mjs') && !process.env.RLVR_SKIP_E2E) {
  console.log('\n=== test/e2e (code-server) ===');
  const r = spawnSync(process.execPath, ['test/e2e/run.mjs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  const m = r.stdout.match(/^e2e: (\d+) passed, (\d+) failed/m);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (r.status !== 0) exitCode = 1;
}

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode || (failed > 0 ? 1 : 0));
