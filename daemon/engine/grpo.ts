// GRPO's advantage: each response's reward normalised within its group, given to every token
// of that response. A group whose rewards are all equal (all right or all wrong) teaches
// nothing: its advantages are 0 and it is counted (`zeroVarianceShare`).
// std is the unbiased (n-1) estimate, as in verl's and TRL's GRPO.

export interface GroupAdvantages {
  /** One per response, in the order given. */
  advantages: number[];
  groups: number;
  zeroVarianceGroups: number;
}

const EPS = 1e-6;

/** `rewards` holds `groups * groupSize` entries, group g at [g*groupSize, (g+1)*groupSize). */
export function groupAdvantages(rewards: readonly number[], groupSize: number): GroupAdvantages {
  if (groupSize < 2) throw new Error(`group size must be >= 2, got ${groupSize}`);
  if (rewards.length % groupSize !== 0) {
    throw new Error(`expected a multiple of the group size ${groupSize} rewards, got ${rewards.length}`);
  }
  const advantages = new Array<number>(rewards.length).fill(0);
  const groups = rewards.length / groupSize;
  let zeroVarianceGroups = 0;
  for (let g = 0; g < groups; g++) {
    const r = rewards.slice(g * groupSize, (g + 1) * groupSize);
    const mean = r.reduce((a, b) => a + b, 0) / groupSize;
    const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (groupSize - 1);
    if (variance < EPS * EPS) {
      zeroVarianceGroups++;
      continue;
    }
    const std = Math.sqrt(variance);
    for (let i = 0; i < groupSize; i++) advantages[g * groupSize + i] = (r[i] - mean) / (std + EPS);
  }
  return { advantages, groups, zeroVarianceGroups };
}
