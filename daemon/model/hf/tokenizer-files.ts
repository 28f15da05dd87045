// Reads the text-side files of a Hugging Face model directory. Every error names the file and,
// where there is one, the field or the line, so a broken or foreign checkpoint fails with a
// message a user can act on rather than a stack trace from deep inside the tokenizer library.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';

export type JsonObject = Record<string, unknown>;

/** tokenizer_config.json: only the fields this project reads are typed; the rest pass through. */
export interface TokenizerConfig extends JsonObject {
  /** One template, or transformers' list of named templates (`default` is the chat one). */
  chat_template?: string | { name: string; template: string }[];
  bos_token?: SpecialTokenField;
  eos_token?: SpecialTokenField;
  pad_token?: SpecialTokenField;
  unk_token?: SpecialTokenField;
}

/** A special token as tokenizer_config.json spells it: a string, an AddedToken object, or null. */
export type SpecialTokenField = string | { content: string } | null;

export interface TokenizerFiles {
  dir: string;
  tokenizerJson: JsonObject;
  /** tokenizer_config.json, with special_tokens_map.json's entries over it and chat_template.jinja as
   *  its chat_template, the way transformers' from_pretrained assembles them. {} when absent. */
  tokenizerConfig: TokenizerConfig;
  /** Which file the chat template came from, for error messages. */
  chatTemplateSource: string;
  generationConfig: JsonObject | null;
  modelConfig: JsonObject | null;
}

export class TokenizerFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TokenizerFileError';
  }
}

/** Where a JSON syntax error is and what it is. Node 20's JSON.parse often omits the position,
 *  so the text is read again by jsonc-parser (VS Code's), held to strict JSON. */
function describeSyntaxError(text: string): string | undefined {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return undefined;
  const { offset, error } = errors[0];
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}: ${printParseErrorCode(error)}`;
}

export async function readJsonObject(file: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TokenizerFileError(file, `cannot read: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TokenizerFileError(file, `invalid JSON at ${describeSyntaxError(text) ?? (e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerFileError(file, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as JsonObject;
}

async function readOptional(file: string): Promise<JsonObject | null> {
  return existsSync(file) ? readJsonObject(file) : null;
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token', 'additional_special_tokens'];

export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) {
    throw new TokenizerFileError(
      tokenizerPath,
      'not found: a Hugging Face model directory needs tokenizer.json (the fast-tokenizer file; ' +
        'checkpoints with only vocab.json/merges.txt or tokenizer.model are not supported)',
    );
  }
  const tokenizerJson = await readJsonObject(tokenizerPath);
  if (typeof tokenizerJson.model !== 'object' || tokenizerJson.model === null) {
    throw new TokenizerFileError(tokenizerPath, "field 'model' is missing or not an object");
  }
  if (tokenizerJson.added_tokens !== undefined && !Array.isArray(tokenizerJson.added_tokens)) {
    throw new TokenizerFileError(tokenizerPath, "field 'added_tokens' must be an array");
  }

  const configPath = path.join(dir, 'tokenizer_config.json');
  const tokenizerConfig: TokenizerConfig = { ...((await readOptional(configPath)) ?? {}) };
  // transformers lets special_tokens_map.json override the config's special tokens.
  const mapPath = path.join(dir, 'special_tokens_map.json');
  const specialMap = await readOptional(mapPath);
  for (const key of SPECIAL_TOKEN_KEYS) if (specialMap && key in specialMap) tokenizerConfig[key] = specialMap[key];

  // Newer checkpoints keep the template in its own file, which wins over tokenizer_config.json's.
  const jinjaPath = path.join(dir, 'chat_template.jinja');
  let chatTemplateSource = `${configPath} (field 'chat_template')`;
  if (existsSync(jinjaPath)) {
    tokenizerConfig.chat_template = await readFile(jinjaPath, 'utf8');
    chatTemplateSource = jinjaPath;
  }

  return {
    dir,
    tokenizerJson,
    tokenizerConfig,
    chatTemplateSource,
    generationConfig: await readOptional(path.join(dir, 'generation_config.json')),
    modelConfig: await readOptional(path.join(dir, 'config.json')),
  };
}
