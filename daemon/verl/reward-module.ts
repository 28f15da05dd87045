// Where the verl reward module lives: daemon/assets/verl/rlvr_reward.py, shipped in the npm
// package with the other assets, so `reward.custom_reward_function.path` can point at it.
import path from 'node:path';
import { PROJECT_ROOT } from '../data/fixtures.js';

export function rewardModulePath(): string {
  return path.join(PROJECT_ROOT, 'daemon', 'assets', 'verl', 'rlvr_reward.py');
}
