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

/** Every well-formed box in order. `\boxed 5` (no braces) takes the next token. */
export function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  BOX_COMMAND.lastIndex = 0;
  for (let m = BOX_COMMAND.exec(text); m; m = BOX_COMMAND.exec(text)) {
    let i = m.index + m[0].length;
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text[i] === '{') {
      let depth = 0;
      let end = -1;
      for (let j = i; j < text.length; j++) {
        const c = text[j];
        if (c === '\\') {
          j++;
          continue;
        }
        if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          end = j;
          break;
        }
      }
      if (end < 0) continue; // unbalanced: not an answer
      boxes.push({ content: text.slice(i + 1, end).trim(), start: m.index, end: end + 1 });
      BOX_COMMAND.lastIndex = end + 1;
    } else {
      const tok = /^[^\s$]+/.exec(text.slice(i));
      if (tok && i > m.index + m[0].length) boxes.push({ content: tok[0], start: m.index, end: i + tok[0].length });
    }
  }
  return boxes;
}

/** The last boxed answer of a response (after `</think>`), or null. */
export function extractLastBoxed(response: string): string | null {
  const tail = afterReasoning(response);
  if (tail === null) return null;
  const boxes = findBoxes(tail);
  return boxes.length > 0 ? boxes[boxes.length - 1].content : null;
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
