// `rlvr setup` (npm run setup): puts on this machine what the main job needs beyond Node,
// the code sandbox's bubblewrap and python3, then checks that a program really runs in the
// sandbox (the same check as `rlvr doctor`). Installs through apt as root or `sudo -n`;
// where it cannot, prints the exact command and exits 1. Nothing missing: no apt at all,
// under a second. See daemon/setup/plan.ts for every case.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { checkTools, gatherFacts, isRoot, type ToolStatus } from '../setup/machine.js';
import { describeTool, planSetup } from '../setup/plan.js';
import { closeDefaultPools } from '../verify/code/index.js';
import { checkCodeSandbox } from '../verify/code/self-test.js';

const USAGE = `usage: rlvr setup [--dry-run]

Installs what the code sandbox needs and this machine lacks (bubblewrap, python3; util-linux
as root) with apt-get, as root or through sudo -n, then runs a test program in the sandbox.
Where it cannot install (no root and no password-less sudo, no apt, macOS, Windows) it prints
the command to run and exits 1.

  --dry-run   say what it would install and run, and do nothing`;

function show(tools: ToolStatus[]): void {
  for (const t of tools) console.log(`${t.ok ? 'ok  ' : 'miss'}  ${t.tool.padEnd(8)} ${t.detail}`);
}

function runCommand(argv: string[], env: Record<string, string>): number {
  console.log(`running: ${argv.join(' ')}`);
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dryRun = values['dry-run'];
  let tools = checkTools(isRoot());
  show(tools);
  const plan = planSetup(gatherFacts(tools));

  switch (plan.action) {
    case 'unsupported':
      console.error(`rlvr setup: ${plan.why}`);
      return 1;
    case 'tell':
      console.error(`rlvr setup: cannot install ${plan.packages.join(', ')} here: ${plan.why}. Run:\n  ${plan.command}\nthen npm run setup again.`);
      return 1;
    case 'install': {
      if (dryRun) {
        console.log(`would run: ${plan.install.join(' ')}`);
        return 0;
      }
      console.log(`installing ${plan.packages.join(', ')}`);
      if (runCommand(plan.install, plan.env) !== 0) {
        // Empty (fresh container) or stale package lists: refresh them and try once more.
        const failed = runCommand(plan.refresh, plan.env) !== 0 || runCommand(plan.install, plan.env) !== 0;
        if (failed) {
          console.error(`rlvr setup: apt-get could not install ${plan.packages.join(', ')}; its output is above. Fix that, or run:\n  ${plan.install.join(' ')}`);
          return 1;
        }
      }
      tools = checkTools(isRoot());
      show(tools);
      const still = tools.filter((t) => !t.ok);
      if (still.length) {
        console.error(`rlvr setup: installed, but still missing: ${still.map((t) => `${describeTool(t.tool)}: ${t.detail}`).join('; ')}`);
        return 1;
      }
      break;
    }
    case 'check':
      if (dryRun) {
        console.log('nothing to install');
        return 0;
      }
  }

  let sandbox: { ok: boolean; detail: string };
  try {
    sandbox = await checkCodeSandbox();
  } finally {
    await closeDefaultPools();
  }
  console.log(`${sandbox.ok ? 'ok  ' : 'FAIL'}  sandbox  ${sandbox.detail}`);
  if (!sandbox.ok) {
    console.error('rlvr setup: bubblewrap and python3 are installed, but a program does not run in the sandbox (details above; `rlvr doctor` runs the same check)');
    return 1;
  }
  console.log('ready: `npm start` runs the main job (math RL, then code RL in the sandbox)');
  return 0;
}
