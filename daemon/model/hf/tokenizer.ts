// A Hugging Face checkpoint's tokenizer: tokenizer.json run by @huggingface/tokenizers (pure
// JS; its ids are tested equal to HF's Rust tokenizers), plus what sampling needs from the
// other config files (stop ids, pad, bos) and the model's chat template.
//
// encode(text) is `tokenizer(text)` in transformers, i.e. Rust `encode(text, add_special_tokens=True)`:
// whatever tokenizer.json's post-processor adds (Llama 3.1: <|begin_of_text|>; Qwen: nothing).
// Special-token text inside `text` becomes the special id, as in HF (split_special_tokens off).
// chatPromptIds tokenizes the rendered template with add_special_tokens=False, as
// apply_chat_template(tokenize=True) does: the template already wrote the bos, so it is not doubled.

import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { withOnigurumaSplits } from './pretokenizer-rewrite.js';
import { renderChat, type ChatMessage, type RenderChatOptions } from './chat.js';
import { resolveSpecialIds, type SpecialTokenIds } from './special-tokens.js';
import { readTokenizerFiles, TokenizerFileError, type TokenizerConfig, type TokenizerFiles } from './tokenizer-files.js';
import { unsupportedFeatures } from './unsupported.js';
import { vocabularyOf } from './vocabulary.js';

export interface EncodeOptions {
  /** Let the post-processor add its special tokens (default true, like transformers' tokenizer(text)). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (eos, chat markers) from the text (default false). */
  skipSpecialTokens?: boolean;
}

export type ChatPromptOptions = Omit<RenderChatOptions, 'addGenerationPrompt' | 'source'>;

// Lone UTF-16 surrogates cannot cross into Rust; its Node binding turns them into U+FFFD first,
// and so do we (the JS library would otherwise byte-encode them differently under byte fallback).
const LONE_SURROGATE = /\p{Cs}/gu;

export class HfTokenizer {
  /** Ids the tokenizer can produce: one past the largest id of the vocabulary and added tokens.
   *  (config.json's vocab_size, the embedding's rows, may be larger: padded for the hardware.) */
  readonly vocabSize: number;
  /** Ids that end a response (see special-tokens.ts for where they come from). */
  readonly eosIds: readonly number[];
  readonly padId: number;
  readonly bosId: number | undefined;
  /** Ids of tokenizer.json's added tokens marked special (chat markers, eos, reserved ones). */
  readonly specialIds: ReadonlySet<number>;
  readonly dir: string;

  private constructor(
    private readonly files: TokenizerFiles,
    private readonly tokenizer: Tokenizer,
    vocabSize: number,
    ids: SpecialTokenIds,
  ) {
    this.dir = files.dir;
    this.vocabSize = vocabSize;
    this.eosIds = ids.eosIds;
    this.padId = ids.padId;
    this.bosId = ids.bosId;
    const special = new Set<number>();
    for (const token of (files.tokenizerJson.added_tokens ?? []) as { id: number; special?: boolean }[]) {
      if (token.special) special.add(token.id);
    }
    this.specialIds = special;
  }

  /** Reads DIR/tokenizer.json (required), tokenizer_config.json, special_tokens_map.json,
   *  chat_template.jinja, generation_config.json and config.json (each when present). */
  static async load(dir: string): Promise<HfTokenizer> {
    const files = await readTokenizerFiles(dir);
    const tokenizerPath = path.join(dir, 'tokenizer.json');
    const unsupported = unsupportedFeatures(files.tokenizerJson);
    if (unsupported.length > 0) {
      throw new TokenizerFileError(tokenizerPath, `uses what @huggingface/tokenizers cannot reproduce exactly:\n  ${unsupported.join('\n  ')}`);
    }
    const vocabulary = vocabularyOf(files.tokenizerJson);
    const ids = resolveSpecialIds(files, vocabulary.size, vocabulary.idOf);
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(withOnigurumaSplits(files.tokenizerJson), files.tokenizerConfig);
    } catch (e) {
      throw new TokenizerFileError(tokenizerPath, `cannot build the tokenizer: ${(e as Error).message}`);
    }
    return new HfTokenizer(files, tokenizer, vocabulary.size, ids);
  }

  /** tokenizer_config.json as transformers assembles it (special_tokens_map.json, chat_template.jinja). */
  get config(): TokenizerConfig {
    return this.files.tokenizerConfig;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.tokenizer.encode(text.replace(LONE_SURROGATE, '\uFFFD'), { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** The text of `ids`, exactly as Rust's decode gives it: no transformers-side
   *  clean_up_tokenization_spaces (it rewrites " ." to "."), so decode(encode(x)) == x. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`decode: ids[${i}] = ${id} is not a token id of ${this.dir} (0..${this.vocabSize - 1})`);
      }
    });
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /** The conversation rendered by the model's chat template (see chat.ts). */
  renderChat(messages: readonly ChatMessage[], options: Omit<RenderChatOptions, 'source'> = {}): string {
    return renderChat(this.files.tokenizerConfig, messages, { ...options, source: this.files.chatTemplateSource });
  }

  /** One user turn and the assistant header, rendered and tokenized as
   *  apply_chat_template([{role: 'user', content}], add_generation_prompt=True, tokenize=True). */
  chatPromptIds(userMessage: string, options: ChatPromptOptions = {}): { text: string; ids: number[] } {
    const text = this.renderChat([{ role: 'user', content: userMessage }], { ...options, addGenerationPrompt: true });
    return { text, ids: this.encode(text, { addSpecialTokens: false }) };
  }
}
