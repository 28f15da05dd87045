// A character-level tokenizer: the embedded default's tasks (arithmetic with worked steps,
// small Python programs) are spelled in a ~100-symbol alphabet, so one id per character
// keeps the vocabulary, the output head and the embedding tiny and never splits a digit.
import type { ModelTokenizer } from '../language-model.js';

/** Printable ASCII (space to '~') plus newline: digits, letters, operators, LaTeX
 *  (`\boxed{}`, `\frac`, `^`, `_`), Python (`:()[]=,.<>+-*%`, quotes, ```python fences,
 *  newline and 4-space indents, which are just spaces). */
export const DEFAULT_ALPHABET: string = (() => {
  let s = '\n';
  for (let c = 0x20; c <= 0x7e; c++) s += String.fromCharCode(c);
  return s;
})();

const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

export interface TokenizerJSON {
  kind: 'characters';
  alphabet: string;
}

export class Tokenizer implements ModelTokenizer {
  readonly pad = 0;
  readonly bos = 1;
  readonly eos = 2;
  readonly stopIds: readonly number[] = [this.eos];
  readonly endOfResponseId = this.eos;
  readonly chat = false;
  /** Stands in for any character outside the alphabet (e.g. a tab or a non-ASCII symbol). */
  readonly unk = 3;
  readonly vocabSize: number;
  private readonly idOf = new Map<string, number>();

  private constructor(readonly alphabet: string) {
    const chars = [...alphabet];
    if (new Set(chars).size !== chars.length) throw new Error('tokenizer alphabet has repeated characters');
    chars.forEach((c, i) => this.idOf.set(c, SPECIALS.length + i));
    this.vocabSize = SPECIALS.length + chars.length;
  }

  static characters(alphabet: string = DEFAULT_ALPHABET): Tokenizer {
    return new Tokenizer(alphabet);
  }

  /** Text -> ids, without bos/eos (callers frame prompts and responses themselves). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const c of text) ids.push(this.idOf.get(c) ?? this.unk);
    return ids;
  }

  /** The prompt as the model reads it: bos, the text, a newline that opens the response. */
  framePrompt(userMessage: string): number[] {
    return [this.bos, ...this.encode(`${userMessage}\n`)];
  }

  /** Ids -> text; pad/bos/eos are dropped, unknown ids and <unk> read as U+FFFD. */
  decode(ids: readonly number[]): string {
    const chars = [...this.alphabet];
    let s = '';
    for (const id of ids) {
      if (id === this.pad || id === this.bos || id === this.eos) continue;
      s += chars[id - SPECIALS.length] ?? '\uFFFD';
    }
    return s;
  }

  toJSON(): TokenizerJSON {
    return { kind: 'characters', alphabet: this.alphabet };
  }

  static fromJSON(j: unknown): Tokenizer {
    const o = j as Partial<TokenizerJSON> | null;
    if (!o || o.kind !== 'characters' || typeof o.alphabet !== 'string') {
      throw new Error(`tokenizer: expected {"kind": "characters", "alphabet": string}, got ${JSON.stringify(j)?.slice(0, 80)}`);
    }
    return new Tokenizer(o.alphabet);
  }
}
