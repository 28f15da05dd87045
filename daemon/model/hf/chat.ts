// Renders a model's own chat template the way transformers' apply_chat_template does, so the
// prompt reads exactly as the model saw its training conversations. transformers renders with
// Jinja (trim_blocks, lstrip_blocks: @huggingface/jinja's defaults too) and these variables:
// messages, tools=None, documents=None, add_generation_prompt, every set special token as a
// string (special_tokens_map), the caller's kwargs (Qwen3's enable_thinking), and the globals
// raise_exception and strftime_now.

import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { tokenText } from './special-tokens.js';
import { strftime } from './strftime.js';
import type { TokenizerConfig } from './tokenizer-files.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface RenderChatOptions {
  /** Append the header that opens the assistant's turn (default true: we prompt for a reply). */
  addGenerationPrompt?: boolean;
  /** Qwen3's switch; unset leaves the template's default (thinking on: no empty <think> block). */
  enableThinking?: boolean;
  /** The clock behind strftime_now (templates that print today's date); tests fix it. */
  now?: () => Date;
  /** More template variables, as transformers' apply_chat_template(**kwargs); they win. */
  variables?: Record<string, unknown>;
  /** Which template of a list-valued chat_template (transformers' default: 'default'). */
  templateName?: string;
  /** Names the template's origin in errors, e.g. `DIR/tokenizer_config.json (field 'chat_template')`. */
  source?: string;
}

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
const DEFAULT_SOURCE = "tokenizer_config.json (field 'chat_template')";

/** The template text; a missing or malformed chat_template is an error naming where it was looked for. */
export function chatTemplateText(config: TokenizerConfig, options: Pick<RenderChatOptions, 'templateName' | 'source'> = {}): string {
  const source = options.source ?? DEFAULT_SOURCE;
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const name = options.templateName ?? 'default';
    const found = t.find((e) => e?.name === name);
    if (typeof found?.template !== 'string') {
      throw new ChatTemplateError(`${source}: no template named '${name}' (have: ${t.map((e) => e?.name).join(', ')})`);
    }
    return found.template;
  }
  if (t === undefined || t === null) {
    throw new ChatTemplateError(`${source}: this model has no chat template, so a chat prompt cannot be built (use a plain prompt, or a model with a chat_template)`);
  }
  throw new ChatTemplateError(`${source}: expected a string or a list of {name, template}, got ${typeof t}`);
}

/** The template's variables other than the two functions, as transformers builds them. Exported so
 *  a test can hand the very same values to Python's Jinja2. */
export function chatTemplateVariables(config: TokenizerConfig, messages: readonly ChatMessage[], options: RenderChatOptions = {}): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    // None in Python, so `tools is none` holds; undefined would make `tools is not none` true.
    tools: null,
    documents: null,
    add_generation_prompt: options.addGenerationPrompt ?? true,
  };
  for (const key of SPECIAL_TOKEN_KEYS) {
    const text = tokenText(config[key]);
    if (text) vars[key] = text;
  }
  const additional = Array.isArray(config.additional_special_tokens)
    ? config.additional_special_tokens.map(tokenText).filter((s): s is string => s !== undefined)
    : [];
  if (additional.length > 0) vars.additional_special_tokens = additional;
  if (options.enableThinking !== undefined) vars.enable_thinking = options.enableThinking;
  return { ...vars, ...options.variables };
}

const parsed = new Map<string, Template>();

function compile(text: string, source: string): Template {
  let template = parsed.get(text);
  if (!template) {
    try {
      template = new Template(text);
    } catch (e) {
      throw new ChatTemplateError(`${source}: cannot parse the chat template: ${(e as Error).message}`);
    }
    parsed.set(text, template);
  }
  return template;
}

// Python's range(), as @huggingface/jinja defines it among its globals.
function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** The conversation as the model's chat template renders it (a string, not yet tokenized). */
export function renderChat(config: TokenizerConfig, messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  const source = options.source ?? DEFAULT_SOURCE;
  const template = compile(chatTemplateText(config, options), source);
  const now = options.now ?? (() => new Date());
  let raised: string | undefined;
  // Template.render declares the library's own raise_exception and strftime_now (a locale-dependent
  // one) and refuses a redeclaration, so the globals are declared here instead, ours among them.
  const env = new Environment();
  const globals: Record<string, unknown> = {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range,
    raise_exception: (message: unknown) => {
      raised = String(message);
      throw new Error(raised);
    },
    strftime_now: (format: unknown) => strftime(now(), String(format)),
  };
  try {
    for (const [name, value] of Object.entries({ ...globals, ...chatTemplateVariables(config, messages, options) })) env.set(name, value);
    return new Interpreter(env).run(template.parsed).value as string;
  } catch (e) {
    if (raised !== undefined) throw new ChatTemplateError(`${source}: the chat template refused these messages: ${raised}`);
    throw new ChatTemplateError(`${source}: cannot render the chat template: ${(e as Error).message}`);
  }
}
