// Texts on which our tokenizer must give HF's Rust tokenizers' ids exactly: each names a way a
// pure-JS port can drift (regex classes, whitespace lookaheads, byte-level splits of multi-byte
// characters, added tokens matched inside text, normalization).

const python = [
  'class Solution:',
  '\tdef twoSum(self, nums: List[int], target: int) -> List[int]:',
  '\t\tseen = {}',
  '\t\tfor i, x in enumerate(nums):',
  '\t\t\tif target - x in seen:',
  '\t\t\t\treturn [seen[target - x], i]',
  '\t\t\tseen[x] = i',
  '',
  'def deep(n):',
  '    if n:',
  '        if n > 1:',
  '            if n > 2:',
  '                if n > 3:',
  '                    if n > 4:',
  '                        return "deep"  # 24 spaces',
  '    \t  \treturn None   ',
  '',
  'print(f"{deep(5)!r:>10}", end="\\n")',
].join('\n');

export const CORPUS: { name: string; text: string }[] = [
  { name: 'empty', text: '' },
  { name: 'plain English', text: "Hello world! It's a test; we'll see what they've done." },
  { name: 'math LaTeX', text: 'Let $x = \\frac{a}{b}$ and $$\\sum_{k=1}^{n} k^2 = \\frac{n(n+1)(2n+1)}{6}$$ so \\boxed{\\dfrac{3}{4}} and \\boxed{}.' },
  { name: 'numbers', text: '1234567890 3.14159 -0.5e-10 1,000,000 x^{2024} 0x1F' },
  { name: 'python with tabs and deep indents', text: python },
  { name: 'fenced code block', text: 'Here is the code:\n```python\nimport sys\nn = int(sys.stdin.readline())\nprint(n * 2)\n```\n' },
  { name: 'runs of spaces', text: 'a  b   c    d        e                                f' },
  { name: 'runs of newlines', text: 'a\n\nb\n\n\nc\n\n\n\n\n\nd\n' },
  { name: 'trailing and leading whitespace', text: '   \n\t  lead and trail  \t\n   ' },
  { name: 'only whitespace', text: ' \t \n \r\n  ' },
  { name: 'CRLF', text: 'line one\r\nline two\r\n\r\n\tindented\r\n' },
  { name: 'Chinese', text: '设函数 f(x) = x² + 1，求 f(2) 的值。答案是五。' },
  { name: 'Arabic', text: 'مرحبا بالعالم، كيف حالك اليوم؟ ١٢٣' },
  { name: 'Hindi', text: 'नमस्ते दुनिया, आज आप कैसे हैं? क्षत्रिय' },
  { name: 'Russian', text: 'Привет, мир! Решите уравнение: x² − 4 = 0.' },
  { name: 'Japanese and Korean', text: 'こんにちは、世界。カタカナ 안녕하세요 세계' },
  { name: 'emoji', text: 'I ❤️ math 😀🎉🔥 ✅' },
  { name: 'emoji ZWJ sequences and skin tones', text: '👨‍👩‍👧‍👦 👩🏽‍💻 🏳️‍🌈 👍🏿' },
  { name: 'flags', text: '🇫🇷 🇯🇵 🇺🇸🇬🇧 🏴󠁧󠁢󠁳󠁣󠁴󠁿' },
  { name: 'combining marks and NFC', text: 'e\u0301 vs é, A\u030A vs Å, ﬁ ligature, Ω vs \u2126' },
  { name: 'Qwen special tokens inside text', text: 'before<|im_end|>after <|endoftext|>\n<|im_start|>user\nhi<|im_end|>' },
  { name: 'Llama special tokens inside text', text: '<|begin_of_text|>text <|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|end_of_text|>' },
  { name: 'think tags', text: '<think>\nreasoning\n</think>\n\nanswer' },
  { name: 'contractions and case', text: "DON'T it'S We'RE you'VE I'M they'LL he'D" },
  { name: 'control and odd characters', text: 'tab\there\u0000nul \u00a0nbsp \u200bzwsp \ufeffbom \u2028ls \r\n\u0085nel' },
  { name: 'numerals beyond 0-9', text: 'x² + y³ = ½, ٣٤٥ and ४२, Ⅻ, 𝟙𝟚, 〇, ①②, 12³⁴' },
];

/** A few KB mixing everything above, so merges across boundaries get exercised too. */
export const LONG_TEXT: string = Array.from({ length: 6 }, (_, i) => CORPUS.map((c) => c.text).join(i % 2 ? '\n\n' : ' ')).join('\n');

// Pieces that stress the splitting rules, glued at random below: the corpus's hand-picked texts
// cannot cover every junction (a digit after an apostrophe, a ZWJ before a special token, ...).
const PIECES = [
  ' ', '  ', '\t', '\n', '\r\n', '\r', 'a', 'Z', "'s", "'LL", '1', '12', '1234', '.', ',', '\\frac', '{', '}', '$', '_', '^',
  'é', 'e\u0301', '中', '文', 'д', 'ع', 'न', '्', '😀', '👨‍👩‍👧', '🇫🇷', '\u200d', '\ufe0f', '<|im_end|>', '<|endoftext|>',
  '<|begin_of_text|>', '<|eot_id|>', '<s>', '</s>', '<unk>', '<think>', '▁', 'Ġ', '\u00a0', '\u3000', '\u2028', '\u0085',
  'ǅ', 'ß', 'İ', '\x00', '\x7f', 'ﬁ', 'Ⅻ', '²', '٣', '\u{10FFFF}', '\u{E0067}', '\ud83d',
];

/** `count` random texts from a fixed seed (the same texts on every run). */
export function randomTexts(count: number, seed = 12345): string[] {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const n = 1 + Math.floor(next() * 20);
    for (let k = 0; k < n; k++) {
      // Now and then any code point of the first three planes (lone surrogates included).
      s += next() < 0.15 ? String.fromCodePoint(Math.floor(next() * 0x2ffff)) : PIECES[Math.floor(next() * PIECES.length)];
    }
    texts.push(s);
  }
  return texts;
}
