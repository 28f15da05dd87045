// A Hugging Face checkpoint's tokenizer: tokenizer.json run by @huggingface/tokenizers (pure
// JS; its ids are tested equal to HF's Rust tokenizers), plus what sampling needs from the
// other config files (stop ids, pad, bos) and the model's chat template.
//
// encode(text) adds no special tokens, as the engine's ModelTokenizer expects (it frames prompts
// and appends the end of a response itself). encode(text, {addSpecialTokens: true}) is
// transformers' `tokenizer(text)`, i.e. Rust `encode(text, add_special_tokens=True)`: whatever
// tokenizer.json's post-processor adds (Llama 3.1: <|begin_of_text|>; Qwen: nothing).
// Special-token text inside `text` becomes the special id, as in HF (split_special_tokens off).
// chatPromptIds tokenizes the rendered template without adding special tokens, as
// apply_chat_template(tokenize=True) does: the template already wrote the bos, so it is not doubled.

import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelTokenizer } from '../language-model.js';
import { chatTemplateText, renderChat, type ChatMessage, type RenderChatOptions } from './chat.js';
import { withOnigurumaSplits } from './pretokenizer-rewrite.js';
import { resolveSpecialIds, type SpecialTokenIds } from './special-tokens.js';
import { readTokenizerFiles, TokenizerFileError, type TokenizerConfig, type TokenizerFiles } from './tokenizer-files.js';
import { unsupportedFeatures } from './unsupported.js';
import { vocabularyOf } from './vocabulary.js';

export interface EncodeOptions {
  /** Let the post-processor add its special tokens, as transformers' tokenizer(text) does (default false). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (eos, chat markers) from the text (default true, as ModelTokenizer asks). */
  skipSpecialTokens?: boolean;
}

export type ChatPromptOptions = Omit<RenderChatOptions, 'addGenerationPrompt' | 'source'>;

// Lone UTF-16 surrogates cannot cross into Rust; its Node binding turns them into U+FFFD first,
// and so do we (the JS library would otherwise byte-encode them differently under byte fallback).
const LONE_SURROGATE = /\p{Cs}/gu;

// An assistant reply rendered by the template, to see which token the template closes it with.
const REPLY_PROBE = 'rlvrReplyProbe';

export class HfTokenizer implements ModelTokenizer {
  /** Ids the tokenizer can produce: one past the largest id of the vocabulary and added tokens.
   *  (config.json's vocab_size, the embedding's rows, may be larger: padded for the hardware.) */
  readonly vocabSize: number;
  /** generation_config / config.json eos_token_id and tokenizer_config eos_token (special-tokens.ts). */
  readonly eosIds: readonly number[];
  readonly padId: number;
  readonly bosId: number | undefined;
  /** Ids of tokenizer.json's added tokens marked special (chat markers, eos, reserved ones). */
  readonly specialIds: ReadonlySet<number>;
  /** The model has a chat template: prompts are framed by it. */
  readonly chat: boolean;
  /** The token that ends an assistant turn in the chat template (Qwen: <|im_end|>; Llama 3:
   *  <|eot_id|>), else the first eos: what an SFT target ends with. */
  readonly endOfResponseId: number;
  /** eosIds and endOfResponseId: sampling stops at any of them. */
  readonly stopIds: readonly number[];
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
    this.chat = hasChatTemplate(files.tokenizerConfig);
    this.endOfResponseId = (this.chat ? this.templateEndOfTurn() : undefined) ?? ids.eosIds[0];
    this.stopIds = [...new Set([...ids.eosIds, this.endOfResponseId])];
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
    // Checked before the library spends a second or two building its tables.
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
    return this.tokenizer.encode(text.replace(LONE_SURROGATE, '\uFFFD'), { add_special_tokens: options.addSpecialTokens ?? false }).ids;
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
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true, clean_up_tokenization_spaces: false });
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
    return { text, ids: this.encode(text) };
  }

  /** ModelTokenizer: the chat prompt's ids; without a chat template, the text after the
   *  post-processor's specials (a base model's bos). */
  framePrompt(userMessage: string): number[] {
    return this.chat ? this.chatPromptIds(userMessage).ids : this.encode(userMessage, { addSpecialTokens: true });
  }

  /** The first special token the template writes after an assistant reply, if any. */
  private templateEndOfTurn(): number | undefined {
    let text: string;
    try {
      text = this.renderChat([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: REPLY_PROBE }], { addGenerationPrompt: false });
    } catch {
      return undefined; // a template that refuses this conversation: fall back to the eos
    }
    const at = text.lastIndexOf(REPLY_PROBE);
    if (at < 0) return undefined;
    return this.encode(text.slice(at + REPLY_PROBE.length)).find((id) => this.specialIds.has(id));
  }
}

export function hasChatTemplate(config: TokenizerConfig): boolean {
  try {
    chatTemplateText(config);
    return true;
  } catch {
    return false;
  }
}
