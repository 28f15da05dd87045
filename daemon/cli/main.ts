// `rlvr <command>`: each command lives in its own module and is loaded on demand,
// so `rlvr check` does not pay for TensorFlow.js start-up.
import { debugLogging } from '../util/log-level.js';
import { configureTaskLimitDefaults, taskLimitDefaultsFromEnv } from '../verify/code/limits.js';

type CommandModule = { run(argv: string[]): Promise<number> };

// Each entry is a module `./<name>.js` exporting `run(argv): Promise<number>` (its exit code).
const COMMANDS: Record<string, string> = {
  train: 'run a curriculum headless (no config: the embedded default)',
  eval: 'evaluate a checkpoint: avg@k and pass@k',
  serve: 'serve runs over an authenticated local WebSocket',
  check: 'run the verifiers: `check math` / `check code`',
  doctor: 'report the backend, sandbox and fixtures this machine offers',
  setup: 'install what the code sandbox needs (bubblewrap, python3) and check it runs',
  curate: 'clean a problem set: rule filters, dedup, decontamination, difficulty',
  model: 'a model folder: logprobs, generate, tokenize, info (Hugging Face or rlvr)',
  sandbox: 'serve SandboxFusion\'s /run_code API over the bubblewrap sandbox (for verl)',
  verl: 'verl interop: `verl reward-module` prints the reward module\'s path',
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(8)} ${summary}`);
  return `usage: rlvr <command> [options] [--verbose]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `Run \`rlvr <command> --help\` for a command's options. --verbose (or RLVR_LOG=debug) also shows\n` +
    `what is hidden by default: the output of native probes (Dawn's Vulkan loader), error stacks.`;
}

/**
 * `--verbose`, accepted by every command, is RLVR_LOG=debug: set in the environment, so the
 * engine's threads and the daemon's children see it too. Arguments after `--` are left alone.
 */
function takeVerbose(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  if (!head.includes('--verbose')) return argv;
  process.env.RLVR_LOG = 'debug';
  return [...head.filter((a) => a !== '--verbose'), ...(end < 0 ? [] : argv.slice(end))];
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = takeVerbose(argv);
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    console.error(`rlvr: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  // The extension's sandbox settings reach the daemon it starts as environment variables:
  // read once, here, and handed to the verifiers (and by the server to its engine threads).
  try {
    configureTaskLimitDefaults(taskLimitDefaultsFromEnv(process.env));
  } catch (err) {
    console.error(`rlvr: ${(err as Error).message}`);
    return 1;
  }
  let module: CommandModule;
  try {
    module = (await import(`./${name}.js`)) as CommandModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`cli/${name}.js`)) {
      console.error(`rlvr: '${name}' is not available in this build`);
      return 2;
    }
    throw err;
  }
  try {
    return await module.run(rest);
  } catch (err) {
    // A clear one-line error for expected failures; the stack only when asked for.
    const e = err as Error;
    console.error(`rlvr ${name}: ${e.message}`);
    if (process.env.RLVR_DEBUG || debugLogging()) console.error(e.stack);
    return 1;
  }
}
