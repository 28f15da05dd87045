// `rlvr verl <subcommand>`: interop with verl. `reward-module` prints the absolute path of the
// reward module, for `reward.custom_reward_function.path=$(rlvr verl reward-module)`.
import { existsSync } from 'node:fs';
import { rewardModulePath } from '../verl/reward-module.js';

const USAGE = `usage: rlvr verl reward-module

  reward-module   print the absolute path of the Python reward module (compute_score) for
                  reward.custom_reward_function.path=...`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'reward-module') {
    console.error(`rlvr verl: unknown subcommand '${sub}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.length > 0) throw new Error(`reward-module takes no arguments (got ${rest.join(' ')})`);
  const file = rewardModulePath();
  if (!existsSync(file)) throw new Error(`the reward module is missing from this installation: ${file}`);
  console.log(file);
  return 0;
}
