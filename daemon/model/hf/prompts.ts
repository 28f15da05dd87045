// The user message for a training or evaluation problem, in the words of the AceReason-Nemotron
// model cards' "Usage Recommendations" (nvidia/AceReason-Nemotron-14B and -7B README.md; the same
// text is in the paper's appendix "Instruction for evaluation", arXiv 2505.16400):
//   1. no system prompt: every instruction goes in the user turn;
//   2. math: the question, a blank line, then the math instruction below;
//   3. code: the question; with starter code, the "function header" paragraph and the short
//      format instruction; without, the longer one that also says to write Python.
// The card's code text has no sentence for stdin/stdout programs or for a required function
// name without a header; the two marked sentences below are ours, kept in the card's register.
// The chat template (chat.ts) then wraps the message, with add_generation_prompt.

export const MATH_INSTRUCTION = 'Please reason step by step, and put your final answer within \\boxed{}.';

const FORMAT = 'Please place the solution code in the following format:\n```python\n# Your solution code here\n```';
const CODE_INSTRUCTION_NO_STARTER_CODE = `Write Python code to solve the problem. ${FORMAT}`;
const CODE_INSTRUCTION_HAS_STARTER_CODE = FORMAT;

// Ours (the card relies on the problem statement to say how input arrives).
const STDIN_SENTENCE = 'The program reads its input from standard input and writes its output to standard output.';
const functionNameSentence = (fnName: string): string => `The solution must define a function named \`${fnName}\`.`;

export function mathUserMessage(problem: string): string {
  return `${problem}\n\n${MATH_INSTRUCTION}`;
}

export interface CodeProblemText {
  statement: string;
  /** A function header to start from (LeetCode style, e.g. `class Solution:\n    def f(self, x: int) -> int:`). */
  starterCode?: string;
  /** The function the tests call, when there is no header naming it. */
  fnName?: string;
  /** The tests feed stdin and compare stdout. */
  stdin: boolean;
}

export function codeUserMessage(p: CodeProblemText): string {
  let message = p.statement;
  if (p.stdin) message += `\n\n${STDIN_SENTENCE}`;
  // The header goes in as given, as in the card (LiveCodeBench headers end in an indented blank line).
  const starter = p.starterCode?.trim() ? p.starterCode : undefined;
  if (starter !== undefined) {
    message += `\n\nSolve the problem starting with the provided function header.\n\nFunction header:\n\`\`\`\n${starter}\n\`\`\``;
    message += `\n\n${CODE_INSTRUCTION_HAS_STARTER_CODE}`;
  } else {
    if (p.fnName) message += `\n\n${functionNameSentence(p.fnName)}`;
    message += `\n\n${CODE_INSTRUCTION_NO_STARTER_CODE}`;
  }
  return message;
}
