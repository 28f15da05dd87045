// Pre-tokenizers whose splits in @huggingface/tokenizers differ from HF's Rust library, so the
// ids drift:
//   - ByteLevel with `use_regex` (GPT-2 style: SmolLM2, StarCoder, GPT-2) splits with GPT-2's
//     pattern as a JS RegExp, whose \s also takes U+FEFF and leaves out U+0085 (Rust: Oniguruma,
//     \s = Unicode White_Space), so " \uFEFF" or "\r\n\u0085" split differently;
//   - Digits matches JS \d, [0-9] only; Rust splits on char::is_numeric (\p{N}: "²", "٣", "Ⅻ");
//   - Metaspace with `split` keeps a run of "▁" together; Rust cuts before each one
//     (MergedWithNext: "a▁▁b" -> "a", "▁", "▁b").
// The library's Split pre-tokenizer translates Oniguruma patterns faithfully (the Qwen and Llama 3
// tests run through it), so before it sees tokenizer.json each becomes the split the Rust code
// performs, written as a Split with behaviour Isolated (which keeps the unmatched stretches).

import type { JsonObject } from './tokenizer-files.js';

/** The pattern of tokenizers' ByteLevel pre-tokenizer (pre_tokenizers/byte_level.rs). */
const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A ByteLevel that splits with the regex (use_regex defaults to true). */
export function splitsWithGpt2Regex(node: unknown): boolean {
  return isObject(node) && node.type === 'ByteLevel' && node.use_regex !== false;
}

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

const split = (regex: string): JsonObject => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });

function rewrite(node: JsonObject): JsonObject[] {
  // With add_prefix_space the space would go before every piece, not once per text:
  // unsupported.ts refuses that combination.
  if (splitsWithGpt2Regex(node)) return [split(GPT2_PATTERN), { ...node, use_regex: false }];
  // Rust: split on is_numeric, each digit Isolated, or runs of them kept together (Contiguous).
  if (node.type === 'Digits') return [split(node.individual_digits ? '\\p{N}' : '\\p{N}+')];
  if (node.type === 'Metaspace' && node.split !== false && typeof node.replacement === 'string') {
    const r = escapeRegex(node.replacement);
    return [{ ...node, split: false }, split(`${r}(?:(?!${r})[\\s\\S])*`)];
  }
  return [node];
}

/** tokenizer.json with those pre-tokenizers written out as Splits, for @huggingface/tokenizers. */
export function withOnigurumaSplits(tokenizerJson: JsonObject): JsonObject {
  const pre = tokenizerJson.pre_tokenizer;
  if (!isObject(pre)) return tokenizerJson;
  const steps = pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) ? (pre.pretokenizers as JsonObject[]) : [pre];
  const rewritten = steps.flatMap((s) => (isObject(s) ? rewrite(s) : [s]));
  if (rewritten.length === steps.length && rewritten.every((s, i) => s === steps[i])) return tokenizerJson;
  return { ...tokenizerJson, pre_tokenizer: { type: 'Sequence', pretokenizers: rewritten } };
}
