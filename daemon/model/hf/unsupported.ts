// tokenizer.json features that @huggingface/tokenizers (0.2) does not reproduce but accepts
// silently: it would then give ids that differ from HF's Rust tokenizers without any error.
// We refuse them at load instead. (Unknown component types it rejects itself; the loader turns
// those errors into messages naming the file.)

import { splitsWithGpt2Regex } from './pretokenizer-rewrite.js';
import type { JsonObject } from './tokenizer-files.js';

// Split behaviours the library treats as 'Isolated' (its README lists them as not reproduced).
const UNSUPPORTED_SPLIT_BEHAVIOURS = new Set(['MergedWithPrevious', 'MergedWithNext', 'Contiguous']);
// Model types it maps to a "Legacy" vocabulary lookup instead of failing.
const SUPPORTED_MODELS = new Set(['BPE', 'WordPiece', 'Unigram']);
// Where a Sequence keeps its children.
const SEQUENCE_FIELDS = ['pretokenizers', 'normalizers', 'processors', 'decoders'];

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(node: unknown, where: string, out: string[]): void {
  if (!isObject(node)) return;
  if (node.type === 'Split' && typeof node.behavior === 'string' && UNSUPPORTED_SPLIT_BEHAVIOURS.has(node.behavior)) {
    out.push(`${where}.behavior: Split behaviour '${node.behavior}' is not supported`);
  }
  if (where.startsWith('pre_tokenizer') && splitsWithGpt2Regex(node) && node.add_prefix_space === true) {
    // See pretokenizer-rewrite.ts: the library's own GPT-2 regex is not Oniguruma's, and with a prefix
    // space the split cannot be moved out of the ByteLevel step.
    out.push(`${where}: ByteLevel with use_regex and add_prefix_space is not supported`);
  }
  if (isObject(node.pattern) && typeof node.pattern.Regex === 'string' && node.pattern.Regex.includes('\\G')) {
    out.push(`${where}.pattern.Regex: the \\G anchor is not supported`);
  }
  for (const key of SEQUENCE_FIELDS) {
    const children = node[key];
    if (Array.isArray(children)) children.forEach((c, i) => walk(c, `${where}.${key}[${i}]`, out));
  }
}

/** Each unsupported feature as `field.path: why`; empty when the tokenizer is fully supported. */
export function unsupportedFeatures(tokenizerJson: JsonObject): string[] {
  const out: string[] = [];
  const model = tokenizerJson.model;
  if (isObject(model)) {
    if (typeof model.type === 'string' && !SUPPORTED_MODELS.has(model.type)) {
      out.push(`model.type: '${model.type}' is not supported (BPE, WordPiece and Unigram are)`);
    }
    if (typeof model.dropout === 'number' && model.dropout > 0) {
      out.push(`model.dropout: BPE dropout (${model.dropout}) makes encoding random; set it to null`);
    }
  }
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) walk(tokenizerJson[key], key, out);
  // The library matches a single_word added token inside words too ("a<tok>b"). (lstrip/rstrip
  // work, except that its trim takes U+FEFF and not U+0085 next to the token, Rust the reverse.)
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  added.forEach((t, i) => {
    if (isObject(t) && t.single_word === true) out.push(`added_tokens[${i}].single_word: single_word added tokens (${JSON.stringify(t.content)}) are not supported`);
  });
  return out;
}
