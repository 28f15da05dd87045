// HfTokenizer against HF's Rust tokenizers (@anush008/tokenizers: the Rust library's Node
// bindings) on real tokenizers: the ids, the decoded text and the vocabulary size must be equal.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import path from 'node:path';
import { Tokenizer as RustTokenizer } from '@anush008/tokenizers';
import { HfTokenizer } from '../../../../daemon/model/hf/tokenizer.js';
import { CORPUS, LONG_TEXT, randomTexts } from './corpus.js';
import { modelDir, packageModelDir, TOKENIZERS, type TokenizerName } from './models.js';

const TEXTS = [...CORPUS, { name: 'long text', text: LONG_TEXT }];
const RANDOM = randomTexts(1500);
const LONE_SURROGATE = /\p{Cs}/u;

for (const name of Object.keys(TOKENIZERS) as TokenizerName[]) {
  describe(`${name}: HfTokenizer equals HF's Rust tokenizers`, () => {
    let ours: HfTokenizer;
    let rust: RustTokenizer;
    before(async () => {
      ours = await HfTokenizer.load(packageModelDir(name));
      rust = RustTokenizer.fromFile(path.join(packageModelDir(name), 'tokenizer.json'));
    });

    test('ids on the corpus (LaTeX, tabs, whitespace runs, CRLF, scripts, emoji, specials, empty, long), with and without special tokens', async () => {
      for (const { name: what, text } of TEXTS) {
        for (const add of [true, false]) {
          const expected = (await rust.encode(text, null, { addSpecialTokens: add })).getIds();
          assert.deepEqual(ours.encode(text, { addSpecialTokens: add }), expected, `${what}, add_special_tokens=${add}`);
        }
      }
    });

    test('encode(text) adds no special tokens; addSpecialTokens is tokenizer(text) (Rust add_special_tokens=true)', async () => {
      const text = 'Hello world';
      assert.deepEqual(ours.encode(text), (await rust.encode(text, null, { addSpecialTokens: false })).getIds());
      assert.deepEqual(ours.encode(text, { addSpecialTokens: true }), (await rust.encode(text, null, { addSpecialTokens: true })).getIds());
    });

    test(`ids on ${RANDOM.length} random texts (seeded)`, async () => {
      for (const text of RANDOM) {
        const expected = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
        assert.deepEqual(ours.encode(text, { addSpecialTokens: false }), expected, JSON.stringify(text));
      }
    });

    test('decode equals Rust decode, keeping and skipping special tokens', async () => {
      for (const { name: what, text } of [...TEXTS, ...RANDOM.map((t) => ({ name: JSON.stringify(t), text: t }))]) {
        const ids = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
        if (ids.length === 0) continue; // the binding refuses an empty list; ours gives '' (tested below)
        assert.equal(ours.decode(ids, { skipSpecialTokens: false }), await rust.decode(ids, false), what);
        assert.equal(ours.decode(ids), await rust.decode(ids, true), `${what}, skipping specials (the default)`);
      }
      assert.equal(ours.decode([]), '');
    });

    test('vocabSize equals get_vocab_size(with_added_tokens=True)', () => {
      assert.equal(ours.vocabSize, rust.getVocabSize(true));
    });
  });
}

// Pre-tokenizers that @huggingface/tokenizers gets wrong left to itself (see pretokenizer-rewrite.ts),
// on real vocabularies: GPT-2's ByteLevel regex and SmolLM2's Digits + ByteLevel on Qwen3's
// byte-level one; the newer SentencePiece conversion (a Metaspace pre-tokenizer, no normalizer)
// on Llama 2's.
const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
const metaspace = (split: boolean) => ({ type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split });
const VARIANTS: { name: string; base: TokenizerName; pre: object; decoder?: object }[] = [
  { name: 'GPT-2 ByteLevel(use_regex)', base: 'qwen3', pre: byteLevel(true) },
  { name: 'SmolLM2 Digits(individual) + ByteLevel(use_regex)', base: 'qwen3', pre: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] } },
  { name: 'Digits(runs) + ByteLevel', base: 'qwen3', pre: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: false }, byteLevel(false)] } },
  { name: 'Metaspace(split)', base: 'llama2', pre: metaspace(true), decoder: metaspace(true) },
  { name: 'Metaspace(no split)', base: 'llama2', pre: metaspace(false), decoder: metaspace(false) },
];

for (const { name, base, pre, decoder } of VARIANTS) {
  describe(`${name} on ${base}'s vocabulary: HfTokenizer equals HF's Rust tokenizers`, () => {
    let m: ReturnType<typeof modelDir>;
    let ours: HfTokenizer;
    let rust: RustTokenizer;
    before(async () => {
      const json = JSON.parse(readFileSync(path.join(packageModelDir(base), 'tokenizer.json'), 'utf8'));
      m = modelDir(base, { 'tokenizer.json': { ...json, normalizer: null, pre_tokenizer: pre, decoder: decoder ?? json.decoder } });
      ours = await HfTokenizer.load(m.dir);
      rust = RustTokenizer.fromFile(path.join(m.dir, 'tokenizer.json'));
    });
    after(() => m.cleanup());

    test('ids on the corpus and the random texts', async () => {
      for (const { name: what, text } of [...TEXTS, ...RANDOM.map((t) => ({ name: JSON.stringify(t), text: t }))]) {
        const expected = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
        assert.deepEqual(ours.encode(text, { addSpecialTokens: true }), expected, what);
      }
    });
  });
}

describe('HfTokenizer behaviour', () => {
  let qwen3: HfTokenizer;
  let llama3: HfTokenizer;
  let llama31: HfTokenizer;
  before(async () => {
    [qwen3, llama3, llama31] = await Promise.all([
      HfTokenizer.load(packageModelDir('qwen3')),
      HfTokenizer.load(packageModelDir('llama3')),
      HfTokenizer.load(packageModelDir('llama3_1')),
    ]);
  });

  test('byte-level tokenizers are lossless: decode(encode(x)) == x (Qwen3 up to its NFC normalizer)', () => {
    for (const { name, text } of TEXTS) {
      const keep = { skipSpecialTokens: false };
      assert.equal(llama3.decode(llama3.encode(text), keep), text, name);
      assert.equal(llama31.decode(llama31.encode(text), keep), text, name);
      assert.equal(qwen3.decode(qwen3.encode(text), keep), text.normalize('NFC'), name);
    }
    const combining = 'e\u0301';
    assert.equal(qwen3.decode(qwen3.encode(combining)), '\u00e9', 'Qwen3 composes e + U+0301');
  });

  test('lone surrogates become U+FFFD, as the Rust binding receives them', () => {
    for (const t of RANDOM.filter((x) => LONE_SURROGATE.test(x)).slice(0, 50)) {
      assert.equal(llama3.decode(llama3.encode(t), { skipSpecialTokens: false }), t.replace(/\p{Cs}/gu, '\uFFFD'));
    }
  });

  test('special tokens written in text become their ids; other models\' markers stay text', () => {
    assert.deepEqual(qwen3.encode('<|im_end|>'), [151645]);
    assert.ok(qwen3.encode('a<|endoftext|>b').includes(151643));
    assert.deepEqual(llama3.encode('<|begin_of_text|>'), [128000]);
    assert.ok(!llama3.encode('<|im_end|>').some((id) => llama3.specialIds.has(id)), 'ChatML markers are plain text to Llama 3');
  });

  test('bos: added with addSpecialTokens where the post-processor adds it, never by Qwen', () => {
    assert.equal(llama31.encode('hi', { addSpecialTokens: true })[0], 128000);
    assert.notEqual(llama31.encode('hi')[0], 128000);
    assert.notEqual(llama3.encode('hi', { addSpecialTokens: true })[0], 128000, 'the first Llama 3 tokenizer.json adds no bos');
    assert.deepEqual(qwen3.encode('hi', { addSpecialTokens: true }), qwen3.encode('hi'));
    assert.equal(llama3.bosId, 128000);
    assert.equal(qwen3.bosId, undefined, "Qwen3's bos_token is null");
  });

  test('decode drops special tokens unless asked to keep them', () => {
    const ids = [...qwen3.encode('Answer: 4'), 151645];
    assert.equal(qwen3.decode(ids), 'Answer: 4');
    assert.equal(qwen3.decode(ids, { skipSpecialTokens: false }), 'Answer: 4<|im_end|>');
  });

  test('decode keeps spaces before punctuation (no clean_up_tokenization_spaces)', () => {
    // Llama 3's tokenizer_config asks transformers to "clean up" " ." into "."; the text the
    // model wrote is what the verifier must read.
    assert.equal(llama3.config.clean_up_tokenization_spaces, true);
    assert.equal(llama3.decode(llama3.encode('a , b . c ?')), 'a , b . c ?');
  });

  test('decode refuses ids outside the vocabulary, naming the position', () => {
    assert.throws(() => qwen3.decode([1, 2, qwen3.vocabSize]), /ids\[2\] = 151669 is not a token id/);
    assert.throws(() => qwen3.decode([-1]), /ids\[0\] = -1/);
    assert.throws(() => qwen3.decode([1.5]), /ids\[0\] = 1.5/);
  });

  test('ModelTokenizer: a chat model frames prompts with its template and ends replies with its end-of-turn token', () => {
    assert.equal(qwen3.chat, true);
    assert.deepEqual(qwen3.framePrompt('2+2?'), qwen3.chatPromptIds('2+2?').ids);
    assert.equal(qwen3.endOfResponseId, 151645, '<|im_end|>');
    assert.deepEqual(qwen3.stopIds, [151645]);
    // The first Llama 3 release names <|end_of_text|> its eos, but its template ends turns with <|eot_id|>.
    assert.deepEqual(llama3.eosIds, [128001]);
    assert.equal(llama3.endOfResponseId, 128009);
    assert.deepEqual(llama3.stopIds, [128001, 128009]);
  });

  test('ModelTokenizer: without a chat template, the prompt is the text after the bos', async () => {
    const llama2 = await HfTokenizer.load(packageModelDir('llama2'));
    assert.equal(llama2.chat, false);
    assert.deepEqual(llama2.framePrompt('Hello'), [1, ...llama2.encode('Hello')]);
    assert.equal(llama2.endOfResponseId, 2, '</s>');
    assert.deepEqual(llama2.stopIds, [2]);
  });

  test('specialIds are the added tokens marked special', () => {
    assert.ok(qwen3.specialIds.has(151643) && qwen3.specialIds.has(151644) && qwen3.specialIds.has(151645));
    assert.ok(!qwen3.specialIds.has(151665), '<tool_response> is an added token that is not special');
    assert.equal(qwen3.specialIds.size, 14);
    assert.equal(llama3.specialIds.size, 256);
  });
});

describe('HfTokenizer stop ids, pad and bos from the config files', () => {
  test('Qwen3 with only tokenizer files: eos_token <|im_end|>; pad <|endoftext|>', async () => {
    const t = await HfTokenizer.load(packageModelDir('qwen3'));
    assert.deepEqual(t.eosIds, [151645]);
    assert.equal(t.padId, 151643);
  });

  test('Qwen2.5/Qwen3 Instruct checkpoint: generation_config list, config.json int and eos_token, union in order', async () => {
    // The values these checkpoints ship: generation_config eos_token_id [151645, 151643],
    // config.json eos_token_id 151645.
    const m = modelDir('qwen3', {
      'generation_config.json': { bos_token_id: 151643, eos_token_id: [151645, 151643], pad_token_id: 151643 },
      'config.json': { eos_token_id: 151645, bos_token_id: 151643 },
    });
    try {
      const t = await HfTokenizer.load(m.dir);
      assert.deepEqual(t.eosIds, [151645, 151643]);
      assert.equal(t.padId, 151643);
    } finally {
      m.cleanup();
    }
  });

  test('Llama 3 Instruct: <|eot_id|> from generation_config joins <|end_of_text|>; no pad_token: pad is the first eos', async () => {
    const m = modelDir('llama3', {
      'generation_config.json': { bos_token_id: 128000, eos_token_id: [128001, 128009] },
      'config.json': { bos_token_id: 128000, eos_token_id: 128001 },
    });
    try {
      const t = await HfTokenizer.load(m.dir);
      assert.deepEqual(t.eosIds, [128001, 128009]);
      assert.equal(t.padId, 128001);
      assert.equal(t.bosId, 128000);
    } finally {
      m.cleanup();
    }
  });

  test('special_tokens_map.json overrides tokenizer_config.json, as in transformers', async () => {
    const m = modelDir('llama3', { 'special_tokens_map.json': { eos_token: { content: '<|eot_id|>' }, pad_token: '<|reserved_special_token_0|>' } });
    try {
      const t = await HfTokenizer.load(m.dir);
      assert.deepEqual(t.eosIds, [128009]);
      assert.equal(t.padId, 128002);
    } finally {
      m.cleanup();
    }
  });
});

describe('HfTokenizer.load errors name the file and field', () => {
  async function loadError(name: TokenizerName | null, extra: Record<string, unknown>): Promise<string> {
    const m = modelDir(name, extra);
    try {
      await HfTokenizer.load(m.dir);
    } catch (e) {
      return (e as Error).message.replace(m.dir, 'DIR');
    } finally {
      m.cleanup();
    }
    assert.fail('load succeeded');
  }

  test('missing tokenizer.json', async () => {
    assert.match(await loadError(null, { 'config.json': {} }), /^DIR\/tokenizer\.json: not found/);
  });

  test('unparsable JSON, with its line', async () => {
    const msg = await loadError('qwen3', { 'generation_config.json': '{\n  "eos_token_id": [1,\n}\n' });
    assert.match(msg, /^DIR\/generation_config\.json: invalid JSON at line 3, column 1: ValueExpected$/);
  });

  test('a config that is not an object', async () => {
    assert.match(await loadError('qwen3', { 'config.json': '[1, 2]' }), /^DIR\/config\.json: expected a JSON object, got an array/);
  });

  test('eos_token_id of the wrong type or out of range', async () => {
    assert.match(await loadError('qwen3', { 'generation_config.json': { eos_token_id: 'eos' } }), /generation_config\.json: field 'eos_token_id': expected a token id/);
    assert.match(await loadError('qwen3', { 'config.json': { eos_token_id: 10 ** 7 } }), /config\.json: field 'eos_token_id'/);
  });

  test('an eos_token that is not in the vocabulary', async () => {
    const config = { eos_token: '<|no such token|>' };
    assert.match(await loadError('llama3', { 'tokenizer_config.json': config }), /tokenizer_config\.json: field 'eos_token': token "<\|no such token\|>" is not in/);
  });

  test('no eos anywhere', async () => {
    assert.match(await loadError('qwen3', { 'tokenizer_config.json': {} }), /no end-of-sequence token/);
  });

  const llama3Json = (): { model: { type: string }; pre_tokenizer: { type: string; pretokenizers: { behavior: string }[] } } =>
    JSON.parse(readFileSync(path.join(packageModelDir('llama3'), 'tokenizer.json'), 'utf8'));

  test('tokenizer.json features the library would silently get wrong', async () => {
    const json = llama3Json();
    json.pre_tokenizer.pretokenizers[0].behavior = 'MergedWithPrevious';
    json.model.type = 'WordLevel';
    (json as unknown as { added_tokens: { single_word: boolean }[] }).added_tokens[9].single_word = true;
    const msg = await loadError('llama3', { 'tokenizer.json': json });
    assert.match(msg, /DIR\/tokenizer\.json: uses what @huggingface\/tokenizers cannot reproduce exactly/);
    assert.match(msg, /model\.type: 'WordLevel' is not supported/);
    assert.match(msg, /pre_tokenizer\.pretokenizers\[0\]\.behavior: Split behaviour 'MergedWithPrevious'/);
    assert.match(msg, /added_tokens\[9\]\.single_word: single_word added tokens \("<\|eot_id\|>"\) are not supported/);
  });

  test('a ByteLevel pre-tokenizer splitting with the regex after a prefix space', async () => {
    const json = llama3Json();
    json.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, use_regex: true } as never;
    assert.match(await loadError('llama3', { 'tokenizer.json': json }), /pre_tokenizer: ByteLevel with use_regex and add_prefix_space is not supported/);
  });

  test('an unknown component type', async () => {
    const json = llama3Json();
    json.pre_tokenizer = { type: 'UnicodeScripts', pretokenizers: [] };
    const msg = await loadError('llama3', { 'tokenizer.json': json });
    assert.match(msg, /DIR\/tokenizer\.json: cannot build the tokenizer: Unknown PreTokenizer type: UnicodeScripts/);
  });
});
