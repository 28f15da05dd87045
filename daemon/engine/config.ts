// Loads a stage config from YAML and validates it with the shared schema. Every error comes
// back located: `stages.yaml:7: stages[1].group_size: expected an integer >= 2, got "eight"`.
// The YAML parser keeps node ranges, so a field's line is exact; a missing field points at
// the mapping that lacks it.

import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { formatPath, validate, type ConfigError, type CurriculumConfig } from '../../shared/config.js';
import { RlvrError } from '../../shared/errors.js';
import { ErrorCodes } from '../../shared/protocol.js';

export interface LocatedConfigError extends ConfigError {
  file: string;
  line: number;
  /** `stages[1].group_size` */
  field: string;
}

// A typed error (ConfigInvalid, located at the first problem), so that it keeps its code when
// it crosses from the engine thread to the server (engine/worker/).
export class ConfigFileError extends RlvrError {
  constructor(readonly errors: LocatedConfigError[]) {
    super(ErrorCodes.ConfigInvalid, errors.map(formatLocatedError).join('\n'), errors[0] && { file: errors[0].file, line: errors[0].line, field: errors[0].field });
    this.name = 'ConfigFileError';
  }
}

export function formatLocatedError(e: LocatedConfigError): string {
  return `${e.file}:${e.line}: ${e.field}: ${e.message}`;
}

/** Line (1-based) of the deepest node along `path` that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** Parses and validates YAML text; `file` names it in errors. */
export function parseConfig(text: string, file: string): { config: CurriculumConfig; errors: LocatedConfigError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({
      file,
      line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
      field: '(yaml)',
      path: [],
      message: e.message.split('\n')[0],
    }));
    return { config: validate({}).config, errors };
  }
  const root: unknown = doc.toJS();
  if (root !== null && root !== undefined && (typeof root !== 'object' || Array.isArray(root))) {
    // Some other file (a script, a token file, binary): say what it is not, and never echo
    // its content, which may be a secret, back to the caller.
    const found = Array.isArray(root) ? 'a list' : typeof root === 'string' ? 'plain text' : `a ${typeof root}`;
    return {
      config: validate({}).config,
      errors: [{ file, line: 1, field: '(root)', path: [], message: `not a stage config: expected a YAML mapping with seed, model, eval and stages, found ${found}` }],
    };
  }
  const { config, errors } = validate(root);
  return {
    config,
    errors: errors.map((e) => ({ ...e, file, line: lineOf(doc, lines, e.path), field: formatPath(e.path) })),
  };
}

/** Line of `path` in a config file (the deepest part that exists; 1 when unreadable), for errors found after validation. */
export function fieldLine(file: string, path: (string | number)[]): number {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
    return lineOf(doc, lines, path);
  } catch {
    return 1;
  }
}

/** Reads, parses and validates a config file; throws ConfigFileError listing every problem. */
export function loadConfig(file: string): CurriculumConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RlvrError(ErrorCodes.ConfigInvalid, `cannot read config ${file}: ${(err as Error).message}`, { file });
  }
  const { config, errors } = parseConfig(text, file);
  if (errors.length > 0) throw new ConfigFileError(errors);
  return config;
}
