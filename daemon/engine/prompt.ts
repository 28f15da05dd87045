// How a problem becomes the token ids a policy reads, and a reference solution the ids it is
// trained to write: one place for the trainer, evaluation, the easy-prompt filter, curation's
// difficulty filter and the dataset lenses, so they all measure the same thing.
import type { Problem } from '../../shared/problem.js';
import { codeUserMessage, mathUserMessage } from '../model/hf/prompts.js';
import type { ModelTokenizer } from '../model/language-model.js';

export type PromptSource = Pick<Problem, 'kind' | 'prompt' | 'starterCode' | 'tests' | 'fn_name'>;

/** The user message a chat model gets: the problem and the paper's instruction (RECIPE.md). */
export function userMessage(problem: PromptSource): string {
  if (problem.kind === 'math') return mathUserMessage(problem.prompt);
  return codeUserMessage({
    statement: problem.prompt,
    starterCode: problem.starterCode,
    fnName: problem.fn_name,
    // stdin/stdout tests (no function to call, no check(candidate) block)
    stdin: Array.isArray(problem.tests) && !problem.fn_name,
  });
}

/** The prompt ids: the char model reads the bare prompt; an HF model its template around userMessage(). */
export function promptIds(tokenizer: ModelTokenizer, problem: PromptSource): number[] {
  return tokenizer.framePrompt(tokenizer.chat ? userMessage(problem) : problem.prompt);
}

/** The SFT target for a reference solution: its tokens, then the end of the response. */
export function targetIds(tokenizer: ModelTokenizer, solution: string): number[] {
  return [...tokenizer.encode(solution), tokenizer.endOfResponseId];
}
