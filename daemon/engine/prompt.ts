// How a problem becomes the token ids a policy reads, and a reference solution the ids it is
// trained to write: one place for the trainer, evaluation, the easy-prompt filter, curation's
// difficulty filter and the dataset lenses, so they all measure the same thing.
import type { Problem } from '../data/embedded/index.js';
import type { ModelTokenizer } from '../model/language-model.js';

const MATH_INSTRUCTION = 'Please reason step by step, and put your final answer within \\boxed{}.';
const CODE_INSTRUCTION = 'Write your solution in Python 3 and put the whole program in one ```python code block.';

/** The user message a chat model gets: the problem and the paper's instruction (RECIPE.md). */
export function userMessage(problem: Pick<Problem, 'domain' | 'prompt'>): string {
  return `${problem.prompt}\n\n${problem.domain === 'math' ? MATH_INSTRUCTION : CODE_INSTRUCTION}`;
}

/** The prompt ids: the char model reads the bare prompt; a chat model its template around userMessage(). */
export function promptIds(tokenizer: ModelTokenizer, problem: Pick<Problem, 'domain' | 'prompt'>): number[] {
  return tokenizer.framePrompt(tokenizer.chat ? userMessage(problem) : problem.prompt);
}

/** The SFT target for a reference solution: its tokens, then the end of the response. */
export function targetIds(tokenizer: ModelTokenizer, solution: string): number[] {
  return [...tokenizer.encode(solution), tokenizer.endOfResponseId];
}
