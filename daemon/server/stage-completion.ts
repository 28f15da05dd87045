// Completion in stage config files, from the stage-config JSON Schema (shared/config.ts):
// the fields a mapping may still take at the cursor, with their descriptions and defaults,
// and the allowed values after `kind:`, `lr_schedule:`, `save_dtype:`. The daemon's LSP
// offers it, so it works without any YAML extension (with the Red Hat one, package.json's
// yamlValidation gives the same schema to it). The mapping at the cursor is found from the
// indentation of the lines above, as a half-typed file does not parse.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver/lib/common/api.js';
import { stageConfigJsonSchema } from '../../shared/config.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

let schema: JsonSchema | null = null;
const rootSchema = (): JsonSchema => (schema ??= stageConfigJsonSchema() as JsonSchema);

/** `[]` stands for "an item of the list". */
type Step = string;

interface Line {
  indent: number;
  /** Where the item's content starts when the line opens a list item (`- `), else -1. */
  dashAt: number;
  keyCol: number;
  key: string | null;
}

function readLine(text: string): Line | null {
  const m = /^(\s*)(-\s+)?(?:([A-Za-z_][\w-]*)\s*:)?/.exec(text);
  if (!m || (!m[2] && !m[3])) return null;
  const indent = m[1].length;
  return { indent, dashAt: m[2] ? indent : -1, keyCol: indent + (m[2]?.length ?? 0), key: m[3] ?? null };
}

/** The path of the mapping whose keys start at column `col` on line `at` (which may be the cursor's, half typed). */
function mappingPath(lines: string[], at: number, col: number, opensItem: boolean, dashCol: number): Step[] {
  const path: Step[] = [];
  let want = col;
  if (opensItem) {
    path.unshift('[]');
    want = dashCol;
  }
  for (let i = at - 1; i >= 0 && want > 0; i--) {
    if (/^\s*(#|$)/.test(lines[i])) continue;
    const l = readLine(lines[i]);
    if (!l) continue;
    if (l.dashAt >= 0 && l.keyCol === want && l.dashAt < want) {
      // The first key of the list item this mapping is.
      path.unshift('[]');
      want = l.dashAt;
    } else if (l.key !== null && l.keyCol < want) {
      path.unshift(l.key);
      if (l.dashAt >= 0) {
        path.unshift('[]');
        want = l.dashAt;
      } else {
        want = l.keyCol;
      }
    }
  }
  return path;
}

/** The object schemas a value at `path` may be (a union's object branches all count). */
function schemasAt(path: Step[]): JsonSchema[] {
  let current = [rootSchema()];
  for (const step of path) {
    const next: JsonSchema[] = [];
    for (const s of current.flatMap(branches)) {
      const child = step === '[]' ? s.items : s.properties?.[step];
      if (child) next.push(child);
    }
    current = next;
  }
  return current.flatMap(branches);
}

function branches(s: JsonSchema): JsonSchema[] {
  const alts = s.anyOf ?? s.oneOf;
  return alts ? alts.flatMap(branches) : [s];
}

/** Keys already present in the mapping at column `col` around line `at`. */
function presentKeys(lines: string[], at: number, col: number): Set<string> {
  const keys = new Set<string>();
  const scan = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      if (/^\s*(#|$)/.test(lines[i])) continue;
      const l = readLine(lines[i]);
      const ownIndent = l ? (l.dashAt >= 0 ? l.dashAt : l.keyCol) : lines[i].search(/\S/);
      // Going down, a dash at a shallower column opens the next item: its keys are not ours.
      if (step === 1 && l && l.dashAt >= 0 && ownIndent < col) break;
      if (l && l.keyCol === col && l.key) keys.add(l.key);
      // A shallower line (going up: the dash that opens this item, or the parent) ends the mapping.
      if (ownIndent < col) break;
    }
  };
  scan(at - 1, -1);
  scan(at + 1, 1);
  return keys;
}

function describe(s: JsonSchema): string {
  const type = s.enum ? s.enum.map((v) => JSON.stringify(v)).join(' | ') : Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? (s.anyOf || s.oneOf ? 'one of several forms' : ''));
  return s.default !== undefined ? `${type} (default ${JSON.stringify(s.default)})` : type;
}

/** Completion items at a position (0-based line and character) of a stage config's text. */
export function stageConfigCompletions(text: string, line: number, character: number): CompletionItem[] {
  const lines = text.split(/\r?\n/);
  const before = (lines[line] ?? '').slice(0, character);

  // After `key: `: the values the schema allows there.
  const value = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)\s*:\s*([\w.-]*)$/.exec(before);
  if (value) {
    const col = value[1].length + (value[2]?.length ?? 0);
    const path = mappingPath(lines, line, col, Boolean(value[2]), value[1].length);
    const options = new Set<string>();
    for (const s of schemasAt([...path, value[3]])) {
      for (const v of s.enum ?? (s.const !== undefined ? [s.const] : [])) if (typeof v === 'string') options.add(v);
    }
    return [...options].map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
  }

  // At the start of a key: the fields this mapping may still take.
  const key = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)?$/.exec(before);
  if (!key) return [];
  const col = key[1].length + (key[2]?.length ?? 0);
  const path = mappingPath(lines, line, col, Boolean(key[2]), key[1].length);
  const present = key[2] ? new Set<string>() : presentKeys(lines, line, col);
  const fields = new Map<string, JsonSchema>();
  for (const s of schemasAt(path)) for (const [name, field] of Object.entries(s.properties ?? {})) if (!fields.has(name)) fields.set(name, field);
  return [...fields]
    .filter(([name]) => !present.has(name))
    .map(([name, field]) => ({
      label: name,
      kind: CompletionItemKind.Property,
      detail: describe(field),
      ...(field.description ? { documentation: { kind: MarkupKind.Markdown, value: field.description } } : {}),
      insertText: `${name}: `,
      insertTextFormat: InsertTextFormat.PlainText,
    }));
}
