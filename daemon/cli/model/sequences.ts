// The --sequences file of `rlvr model logprobs|generate`: {"sequences": [[id, ...], ...]}, each id
// a token of the model's vocabulary. A bad file names the field at fault.
import { readFileSync } from 'node:fs';

export function readSequences(file: string, vocabSize: number, minLength: number): number[][] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const seqs = (raw as { sequences?: unknown } | null)?.sequences;
  if (!Array.isArray(seqs) || seqs.length === 0) throw new Error(`${file}: field 'sequences': expected a non-empty list of token-id lists`);
  seqs.forEach((s, i) => {
    if (!Array.isArray(s) || s.length < minLength) throw new Error(`${file}: field 'sequences[${i}]': expected a list of at least ${minLength} token ids`);
    s.forEach((id, j) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new Error(`${file}: field 'sequences[${i}][${j}]': ${JSON.stringify(id)} is not a token id of this model (0..${vocabSize - 1})`);
      }
    });
  });
  return seqs as number[][];
}
