// Where the answer is in a response: the last \boxed{...} (or \fbox{...}) after the
// reasoning. Braces nest, so the end is found by counting, never by a regex.

const BOX_COMMAND = /\\(?:boxed|fbox)(?![a-zA-Z])/g;

export interface Box {
  /** The boxed content, without the command and braces. */
  content: string;
  start: number;
  end: number;
}

/**
 * The text after the reasoning: after the last `</think>`; null when a `<think>` was
 * opened and never closed (the response was cut off while still reasoning).
 */
export function afterReasoning(response: string): string | null {
  const close = response.lastIndexOf('</think>');
  if (close >= 0) return response.slice(close + '</think>'.length);
  if (response.includes('<think>')) return null;
  return response;
}

/**
 * For each `{` of `text`, the index of its matching `}` (-1 when unbalanced), found in one
 * pass with a stack. A backslash escapes the next character, as in LaTeX's `\{`.
 */
function matchBraces(text: string): Map<number, number> {
  const match = new Map<number, number>();
  const open: number[] = [];
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c /* \ */) j++;
    else if (c === 0x7b /* { */) open.push(j);
    else if (c === 0x7d /* } */ && open.length > 0) match.set(open.pop()!, j);
  }
  return match;
}

const TOKEN = /[^\s$]+/y;
const SPACE = /\s*/y;

/**
 * Every well-formed box in order. `\boxed 5` (no braces) takes the next token. Linear in
 * the text: braces are matched once up front, so `\boxed{` repeated 60,000 times (every
 * box unbalanced) costs one pass, not one scan to the end per box.
 */
export function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  let braces: Map<number, number> | null = null;
  BOX_COMMAND.lastIndex = 0;
  for (let m = BOX_COMMAND.exec(text); m; m = BOX_COMMAND.exec(text)) {
    const afterCommand = m.index + m[0].length;
    SPACE.lastIndex = afterCommand;
    SPACE.exec(text);
    const i = SPACE.lastIndex;
    if (text[i] === '{') {
      braces ??= matchBraces(text);
      const end = braces.get(i) ?? -1;
      if (end < 0) continue; // unbalanced: not an answer
      boxes.push({ content: text.slice(i + 1, end).trim(), start: m.index, end: end + 1 });
      BOX_COMMAND.lastIndex = end + 1;
    } else {
      TOKEN.lastIndex = i;
      const tok = TOKEN.exec(text);
      if (tok && i > afterCommand) boxes.push({ content: tok[0], start: m.index, end: i + tok[0].length });
    }
  }
  return boxes;
}

/**
 * The box the verifier grades: the last one after `</think>`, with offsets into the whole
 * response (the editor highlights exactly this span), or null.
 */
export function lastBox(response: string): Box | null {
  const tail = afterReasoning(response);
  if (tail === null) return null;
  const boxes = findBoxes(tail);
  if (boxes.length === 0) return null;
  const box = boxes[boxes.length - 1];
  const offset = response.length - tail.length;
  return { content: box.content, start: box.start + offset, end: box.end + offset };
}

/** The last boxed answer of a response (after `</think>`), or null. */
export function extractLastBoxed(response: string): string | null {
  return lastBox(response)?.content ?? null;
}

/**
 * All boxes of a reference answer that spells a multi-part answer as several boxes
 * (`\boxed{1} and \boxed{2}`): consecutive boxes joined by a separator word or comma
 * are read together; otherwise only the last box counts.
 */
export function extractAllBoxed(text: string): string[] {
  const boxes = findBoxes(text);
  if (boxes.length <= 1) return boxes.map((b) => b.content);
  const group = [boxes[boxes.length - 1]];
  for (let k = boxes.length - 2; k >= 0; k--) {
    const between = text.slice(boxes[k].end, group[0].start);
    if (!/,|;|\band\b|\bor\b/.test(between) && between.trim() !== '') break;
    group.unshift(boxes[k]);
  }
  return group.map((b) => b.content);
}
