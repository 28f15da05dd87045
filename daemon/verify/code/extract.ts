// The program a response proposes: the last ```python block after the reasoning.

const FENCE = /```[ \t]*(python3?|py)[ \t]*\r?\n([\s\S]*?)```/gi;

/** The last ```python (or ```py / ```python3) block after the last `</think>`, or null. */
export function extractProgram(response: string): string | null {
  const end = response.lastIndexOf('</think>');
  const answer = end >= 0 ? response.slice(end + '</think>'.length) : response;
  let last: string | null = null;
  for (const m of answer.matchAll(FENCE)) last = m[2];
  return last;
}
