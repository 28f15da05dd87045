// The user messages must be the AceReason-Nemotron model cards' text, character for character.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeUserMessage, MATH_INSTRUCTION, mathUserMessage } from '../../../../daemon/model/hf/prompts.js';

const FENCE = '```';

test('math: the problem, a blank line, the card\'s instruction', () => {
  assert.equal(MATH_INSTRUCTION, 'Please reason step by step, and put your final answer within \\boxed{}.');
  assert.equal(
    mathUserMessage('Find $x$ if $2x = 6$.'),
    'Find $x$ if $2x = 6$.\n\nPlease reason step by step, and put your final answer within \\boxed{}.',
  );
});

test('code with a function header: the header paragraph, then the short format instruction', () => {
  const header = 'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ';
  assert.equal(
    codeUserMessage({ statement: 'Given nums and target, return two indices.', starterCode: header, stdin: false }),
    'Given nums and target, return two indices.\n\n' +
      'Solve the problem starting with the provided function header.\n\n' +
      `Function header:\n${FENCE}\n${header}\n${FENCE}\n\n` +
      `Please place the solution code in the following format:\n${FENCE}python\n# Your solution code here\n${FENCE}`,
  );
});

test('code without a header: the instruction that also says to write Python', () => {
  assert.equal(
    codeUserMessage({ statement: 'Print the sum of two integers.', stdin: false }),
    'Print the sum of two integers.\n\n' +
      `Write Python code to solve the problem. Please place the solution code in the following format:\n${FENCE}python\n# Your solution code here\n${FENCE}`,
  );
  assert.equal(codeUserMessage({ statement: 'S', starterCode: '  \n', stdin: false }), codeUserMessage({ statement: 'S', stdin: false }), 'a blank header is no header');
});

test('stdin/stdout problems say so; a required function name without a header is named', () => {
  const stdin = codeUserMessage({ statement: 'Read n and print n*2.', stdin: true });
  assert.ok(stdin.startsWith('Read n and print n*2.\n\nThe program reads its input from standard input and writes its output to standard output.\n\nWrite Python code'));
  const fn = codeUserMessage({ statement: 'Return the square.', fnName: 'square', stdin: false });
  assert.ok(fn.startsWith('Return the square.\n\nThe solution must define a function named `square`.\n\nWrite Python code'));
  const withHeader = codeUserMessage({ statement: 'S', fnName: 'f', starterCode: 'def f(x):', stdin: false });
  assert.ok(!withHeader.includes('must define'), 'the header already names the function');
});
