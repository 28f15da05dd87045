// Rule filters for math prompts (RECIPE.md, data curation): what a single final answer
// cannot reward fairly. Each returns a reason naming what it found, so a user can see
// why a problem went and tune or skip the rule.
import { parseAnswerText } from '../../../verify/math/equivalent.js';
import { verifyReference } from '../checks.js';
import { ruleFilter, type Filter, type FilterContext } from '../filter.js';
import type { Problem } from '../../records/record.js';
import { tokenize } from '../text.js';

/** Text outside $...$, \(...\), \[...\]: words there are prose, not mathematics. */
function prose(text: string): string {
  return text.replace(/\$\$[\s\S]*?\$\$|\$[^$]*\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g, ' ');
}

// A label opens a sub-question when it starts the text or follows a sentence end.
const SUB_LABEL = /(?:^|[.?!:;\n]\s*|\s{2,})(?:part\s+)?\(\s*([a-d]|iv|i{1,3}|I{1,3}|[1-4])\s*\)\s*(?=[A-Za-z\\$])/gi;
const SUB_FAMILIES = [
  ['a', 'b'],
  ['1', '2'],
  ['i', 'ii'],
];

export const multiPart = ruleFilter('multi-part', ['math'], 'several sub-questions, each with its own answer', (p) => {
  const labels = new Set<string>();
  for (const m of p.prompt.matchAll(SUB_LABEL)) labels.add(m[1].toLowerCase());
  for (const [first, second] of SUB_FAMILIES) {
    if (labels.has(first) && labels.has(second)) return `sub-questions (${first}) and (${second})`;
  }
  return null;
});

// `(A)` not after a word character: `dot(A)` and `f(A)` are mathematics, not options.
const CHOICE = /(?:\\textbf\{\s*\(?\s*([A-E])\s*\)?|(?<![\w\\])\(\s*([A-E])\s*\)|(?:^|\n)\s*([A-E])[.):]\s)/g;

function withoutAsy(text: string): string {
  return text.replace(/\[asy\][\s\S]*?\[\/asy\]/g, ' ');
}
const TRUE_FALSE_PROMPT = /\btrue or false\b|\btrue\/false\b|\b(?:is|are) (?:the following|these|this) (?:statements?|claims?) (?:true|correct)\b/i;
const BINARY_ANSWER = /^(?:\\text\{\s*)?(?:true|false|yes|no|correct|incorrect)\s*\}?\.?$/i;

export const multipleChoice = ruleFilter('multiple-choice', ['math'], 'multiple choice or true/false: a guess earns reward', (p) => {
  const letters = new Set<string>();
  for (const m of withoutAsy(p.prompt).matchAll(CHOICE)) letters.add(m[1] ?? m[2] ?? m[3]);
  const answer = (p.answer ?? '').trim();
  if (letters.has('A') && letters.has('B') && letters.has('C')) return `answer choices (${[...letters].sort().join(', ')})`;
  if (/^\(?\s*[A-E]\s*\)?$/.test(answer) && letters.has('A')) return `the answer is the choice letter '${answer}'`;
  if (/answer choices|choose (?:one|the correct)|which of the following/i.test(p.prompt)) return 'asks to pick from listed options';
  if (TRUE_FALSE_PROMPT.test(p.prompt)) return 'true/false question';
  if (BINARY_ANSWER.test(answer)) return `yes/no answer '${answer}'`;
  return null;
});

const PROOF = /\b(?:prove|show|demonstrate|verify|justify|explain why)\b(?:\s+\S+){0,4}?\s+that\b|^\s*prove\b|\bproof\b/i;

export const proof = ruleFilter('proof', ['math'], 'asks for a proof: no final answer to check', (p) => {
  const m = prose(p.prompt).match(PROOF);
  if (m) return `asks for a proof ('${m[0].trim()}')`;
  if (/^(?:proof|q\.?e\.?d\.?|none|n\/a)$/i.test((p.answer ?? '').trim())) return `answer '${p.answer}' is not a value`;
  return null;
});

const FIGURE = /\b(?:see (?:the )?(?:figure|diagram|picture|image)|(?:in|from) the (?:figure|diagram|picture|image|graph) (?:below|above|shown)|the (?:figure|diagram|picture)|figure \d+|fig\.\s*\d*|(?:shown|pictured|depicted|drawn|illustrated) (?:below|above|here|at (?:the )?(?:right|left))|(?:as|is) shown)\b/i;

export const figure = ruleFilter('figure', ['math'], 'refers to a figure the text does not contain', (p) => {
  // An [asy] block is the figure, as text: the policy can read it.
  if (/\[asy\]|\\begin\{(?:tikzpicture|picture)\}/.test(p.prompt)) return null;
  const m = prose(p.prompt).match(FIGURE);
  return m ? `refers to a figure ('${m[0]}') that is not in the text` : null;
});

const ENGLISH_FUNCTION_WORDS = new Set(
  'the a an of to in is are and or that what which how find if for with by be let on at as it this from than'.split(' '),
);

export const nonEnglish = ruleFilter('non-english', ['math', 'code'], 'not in English', (p) => {
  const text = prose(p.prompt).replace(/\\[a-zA-Z]+/g, ' ');
  const letters = text.match(/\p{L}/gu) ?? [];
  if (letters.length === 0) return null;
  const foreign = letters.filter((c) => !/\p{Script=Latin}/u.test(c));
  if (foreign.length / letters.length > 0.2) {
    return `${Math.round((100 * foreign.length) / letters.length)}% of its letters are not Latin script (e.g. '${foreign.slice(0, 3).join('')}')`;
  }
  const words = tokenize(text).filter((w) => /^\p{L}{2,}$/u.test(w));
  if (words.length >= 12 && !words.some((w) => ENGLISH_FUNCTION_WORDS.has(w))) {
    return `none of its ${words.length} words is an English function word (e.g. '${words.slice(0, 4).join(' ')}')`;
  }
  return null;
});

export const MIN_PROMPT_CHARS = 15;
export const MIN_PROMPT_TOKENS = 3;

export const tooShort = ruleFilter('too-short', ['math', 'code'], `fewer than ${MIN_PROMPT_TOKENS} words or ${MIN_PROMPT_CHARS} characters`, (p) => {
  const text = p.prompt.trim();
  const tokens = tokenize(text).length;
  if (text.length < MIN_PROMPT_CHARS || tokens < MIN_PROMPT_TOKENS) return `prompt too short (${text.length} characters, ${tokens} words)`;
  return null;
});

/** Local checks that need no verifier: an answer that cannot be a final value. */
export function answerShapeProblem(answer: string): string | null {
  const a = answer.trim();
  if (a === '') return 'empty answer';
  if (a.length > 200) return `answer is ${a.length} characters long: a worked solution, not a final value`;
  let depth = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '\\') i++;
    else if (a[i] === '{') depth++;
    else if (a[i] === '}' && --depth < 0) break;
  }
  if (depth !== 0) return `unbalanced braces in answer '${a}'`;
  if (/\\boxed|\\fbox/.test(a)) return `answer '${a}' still holds a \\boxed{}`;
  return null;
}

/**
 * Why the math verifier could not judge answers against this reference, or null. Beyond
 * its shape, every part of the answer must parse: an unparsed leaf only matches by
 * spelling, so a correct but differently written answer would earn 0.
 */
export function unverifiableReason(answer: string): string | null {
  // Answers repeat a lot (small integers), and parsing goes through a CAS: remember.
  const cached = reasonCache.get(answer);
  if (cached !== undefined) return cached;
  if (reasonCache.size >= 50_000) reasonCache.clear();
  const reason = judgeAnswer(answer);
  reasonCache.set(answer, reason);
  return reason;
}

const reasonCache = new Map<string, string | null>();

function judgeAnswer(answer: string): string | null {
  const shape = answerShapeProblem(answer);
  if (shape) return shape;
  try {
    if (parseAnswerText(answer).unparsed) return `the verifier cannot parse the answer '${answer}' (only the same spelling would match)`;
  } catch (err) {
    return `the verifier fails on the answer '${answer}': ${(err as Error).message}`;
  }
  return null;
}

/**
 * The reference must verify against itself: the verifier extracts it from a boxed
 * response, normalises both and must call them equal. An answer it cannot parse would
 * give every rollout reward 0 - a problem that teaches nothing and looks hard.
 */
export const unverifiableAnswer: Filter = {
  name: 'unverifiable-answer',
  kinds: ['math'],
  description: 'the verifier cannot parse the reference answer',
  async run(problems: readonly Problem[], ctx: FilterContext): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    for (const p of problems) {
      const answer = p.answer ?? '';
      const local = unverifiableReason(answer);
      if (local || !ctx.verify) {
        out.push(local);
        continue;
      }
      const r = (await verifyReference(p, ctx.verify))!;
      if (r.reward === 1) out.push(null);
      else {
        const d = r.details.kind === 'math' ? r.details : null;
        out.push(`the verifier does not match the reference '${answer}' to itself (${r.verdict}${d?.message ? `: ${d.message}` : ''})`);
      }
    }
    return out;
  },
};

