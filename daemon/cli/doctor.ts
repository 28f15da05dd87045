// `rlvr doctor`: what this machine offers the trainer, checked for real rather than assumed:
// the TensorFlow.js backend that loads, a sandboxed Python run, the math checker, the
// fixtures and the data dir. Exit 1 when something training needs is missing.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DAEMON_LOCK_FILE } from '../../shared/daemon-lock.js';
import { fixturesDir } from '../data/fixtures.js';
import { checkBackend, checkPython, checkSandbox, type PreflightCheck } from '../engine/preflight.js';
import { defaultDataDir, lockFilePath } from '../../shared/data-dir.js';
import { closeVerifiers, verify } from '../verify/index.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A missing optional part is reported but does not fail the doctor. */
  required: boolean;
  /** The command that fixes a failed check (the preflight's own). */
  fix?: string;
}

/** The machine-level checks are the preflight's (daemon/engine/preflight.ts): same test, same fix. */
const fromPreflight = (c: PreflightCheck): Check => ({ name: c.name, ok: c.ok, detail: c.message, required: true, ...(c.fix ? { fix: c.fix } : {}) });

async function runChecks(backend: string | undefined, dataDir: string): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push(fromPreflight(await checkBackend(backend)));

  const math = await verify({ kind: 'math', answer: '\\frac{1}{2}' }, 'so \\boxed{0.5}');
  checks.push({
    name: 'math verifier',
    ok: math.reward === 1,
    detail: math.reward === 1 ? '\\boxed{0.5} = \\frac{1}{2}' : `unexpected verdict ${math.verdict}`,
    required: true,
  });

  const python = checkPython();
  checks.push(fromPreflight(python));
  if (python.ok) checks.push(fromPreflight(await checkSandbox()));

  const fixtures = fixturesDir();
  checks.push({
    name: 'fixtures',
    ok: existsSync(fixtures),
    detail: existsSync(fixtures) ? fixtures : `${fixtures} not found (only conformance tests need it; set RLVR_FIXTURES)`,
    required: false,
  });

  const lock = lockFilePath(dataDir);
  let daemon = `no ${DAEMON_LOCK_FILE} in ${dataDir}`;
  if (existsSync(lock)) {
    try {
      const { port, pid } = JSON.parse(readFileSync(lock, 'utf8')) as { port: number; pid: number };
      daemon = `lock file names pid ${pid} on 127.0.0.1:${port}`;
    } catch {
      daemon = `${lock} is unreadable`;
    }
  }
  checks.push({ name: 'data dir', ok: true, detail: `${dataDir}; ${daemon}`, required: false });
  return checks;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: rlvr doctor [--backend NAME] [--data-dir DIR] [--json]');
    return 0;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  let checks: Check[];
  try {
    checks = await runChecks(values.backend, dataDir);
  } finally {
    await closeVerifiers();
  }
  if (values.json) {
    console.log(JSON.stringify({ ok: checks.every((c) => c.ok || !c.required), checks }));
  } else {
    for (const c of checks) {
      console.log(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'}  ${c.name.padEnd(14)} ${c.detail}`);
      if (!c.ok && c.fix) console.log(`      ${''.padEnd(14)} fix: ${c.fix}`);
    }
  }
  return checks.every((c) => c.ok || !c.required) ? 0 : 1;
}
