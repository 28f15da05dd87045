// The content of the last \boxed{...} (or \fbox{...}) in a text, braces balanced.
// Datasets in the MATH shape keep the answer only inside the worked solution.

export function lastBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)\s*\{/g;
  let start = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) start = m.index + m[0].length;
  if (start < 0) return null;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      const inner = text.slice(start, i).trim();
      return inner || null;
    }
  }
  return null;
}
