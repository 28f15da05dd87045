// Token <-> id straight from tokenizer.json, so the config files can be checked (stop ids,
// pad, bos) before the tokenizer library spends a second or two building its tables.

import type { JsonObject } from './tokenizer-files.js';

export interface Vocabulary {
  idOf(token: string): number | undefined;
  /** One past the largest id of the model's vocabulary and the added tokens. */
  size: number;
}

export function vocabularyOf(tokenizerJson: JsonObject): Vocabulary {
  const ids = new Map<string, number>();
  const model = tokenizerJson.model as { vocab?: unknown };
  if (Array.isArray(model.vocab)) {
    // Unigram: [[piece, score], ...], the id being the position.
    model.vocab.forEach((entry, id) => Array.isArray(entry) && typeof entry[0] === 'string' && ids.set(entry[0], id));
  } else if (typeof model.vocab === 'object' && model.vocab !== null) {
    for (const [token, id] of Object.entries(model.vocab)) if (typeof id === 'number') ids.set(token, id);
  }
  for (const t of (tokenizerJson.added_tokens ?? []) as { content?: unknown; id?: unknown }[]) {
    if (typeof t.content === 'string' && typeof t.id === 'number') ids.set(t.content, t.id);
  }
  let max = -1;
  for (const id of ids.values()) if (id > max) max = id;
  return { idOf: (token) => ids.get(token), size: max + 1 };
}
