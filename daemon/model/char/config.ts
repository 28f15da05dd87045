// The policy's shape. Defaults are the embedded default's model: ~0.85M parameters, small
// enough that a GRPO step on 2 CPU cores (WASM) takes seconds.

export interface PolicyConfig {
  vocabSize: number; // rows of the embedding / columns of the output head (tokenizer.vocabSize)
  contextLength: number; // max prompt + response tokens; also the number of learned positions
  dModel: number; // width of the residual stream
  nLayers: number; // transformer blocks
  nHeads: number; // attention heads per block; dModel must divide evenly by it
  mlpRatio: number; // MLP hidden width = mlpRatio * dModel
  qkvBias?: boolean; // biases on the q/k/v projections; default false (older checkpoints with them load with it set)
}

export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  vocabSize: 100, // Tokenizer.characters(DEFAULT_ALPHABET): 4 specials + 96 characters
  contextLength: 384,
  dModel: 128,
  nLayers: 4,
  nHeads: 4,
  mlpRatio: 4,
};

/** Throws naming the first bad field, so a hand-edited checkpoint config fails clearly. */
export function validatePolicyConfig(c: PolicyConfig, where = 'policy config'): PolicyConfig {
  for (const k of ['vocabSize', 'contextLength', 'dModel', 'nLayers', 'nHeads', 'mlpRatio'] as const) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${where}: field '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (c.dModel % c.nHeads !== 0) throw new Error(`${where}: dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads})`);
  return c;
}
