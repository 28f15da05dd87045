// Chat templates: the exact prompt strings Qwen3 and Llama 3 expect, their ids, and the same
// templates rendered by Python's Jinja2 set up as transformers sets it up (an independent
// implementation: Debian's python3-jinja2, run with /usr/bin/python3).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import path from 'node:path';
import { Tokenizer as RustTokenizer } from '@anush008/tokenizers';
import { chatTemplateText, chatTemplateVariables, renderChat, type ChatMessage, type RenderChatOptions } from '../../../../daemon/model/hf/chat.js';
import { HfTokenizer } from '../../../../daemon/model/hf/tokenizer.js';
import { readJsonObject, type TokenizerConfig } from '../../../../daemon/model/hf/tokenizer-files.js';
import { modelDir, packageModelDir } from './models.js';

const QUESTION = 'What is $\\frac{1}{2} + \\frac{1}{3}$?\nPlease reason step by step, and put your final answer within \\boxed{}.';
const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
// A fixed clock for strftime_now: Monday 2 December 2024, 09:05:07 local time.
const NOW = new Date(2024, 11, 2, 9, 5, 7);

describe('chat templates render the prompts the models were trained on', () => {
  let qwen3: HfTokenizer;
  let llama3: HfTokenizer;
  let llama31: HfTokenizer;
  before(async () => {
    [qwen3, llama3, llama31] = await Promise.all(['qwen3', 'llama3', 'llama3_1'].map((n) => HfTokenizer.load(packageModelDir(n as 'qwen3'))));
  });

  test('Qwen3: ChatML user turn and assistant header; thinking left on by default (no <think> block)', () => {
    assert.equal(qwen3.renderChat(user(QUESTION)), `<|im_start|>user\n${QUESTION}<|im_end|>\n<|im_start|>assistant\n`);
    assert.equal(
      qwen3.renderChat(user(QUESTION), { enableThinking: false }),
      `<|im_start|>user\n${QUESTION}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n`,
    );
    assert.equal(qwen3.renderChat(user(QUESTION), { addGenerationPrompt: false }), `<|im_start|>user\n${QUESTION}<|im_end|>\n`);
  });

  test('Llama 3: bos, header ids, trimmed content, <|eot_id|>, assistant header (this template prints no date)', () => {
    const expected = `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${QUESTION}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
    assert.equal(llama3.renderChat(user(`  ${QUESTION}\n`)), expected);
    assert.equal(llama31.renderChat(user(QUESTION)), expected);
  });

  test('chatPromptIds: the rendered text tokenized without adding special tokens again', async () => {
    for (const [name, tok] of [['qwen3', qwen3], ['llama3', llama3], ['llama3_1', llama31]] as const) {
      const { text, ids } = tok.chatPromptIds(QUESTION);
      assert.equal(text, tok.renderChat(user(QUESTION)));
      const rust = RustTokenizer.fromFile(path.join(packageModelDir(name), 'tokenizer.json'));
      assert.deepEqual(ids, (await rust.encode(text, null, { addSpecialTokens: false })).getIds(), name);
    }
    const q = qwen3.chatPromptIds(QUESTION).ids;
    assert.deepEqual(q.slice(0, 3), [151644, 872, 198], '<|im_start|> user \\n');
    assert.deepEqual(q.slice(-4), [198, 151644, 77091, 198], '\\n <|im_start|> assistant \\n');
    // Llama 3.1's tokenizer.json would add a second <|begin_of_text|> if the special tokens were added.
    const l = llama31.chatPromptIds(QUESTION).ids;
    assert.equal(l[0], 128000);
    assert.equal(l.filter((id) => id === 128000).length, 1, 'exactly one bos');
    assert.deepEqual(l.slice(1, 4), [128006, 882, 128007], '<|start_header_id|> user <|end_header_id|>');
  });
});

describe('renderChat: variables, globals and errors', () => {
  const DATE_TEMPLATE =
    '{{- bos_token }}{%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}' +
    '{%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}' +
    'Today Date: {{ date_string }}\n{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}';

  test('strftime_now prints the (fixed) date in the C locale, like Python', () => {
    const config: TokenizerConfig = { chat_template: DATE_TEMPLATE, bos_token: '<s>' };
    assert.equal(renderChat(config, user('hi'), { now: () => NOW }), '<s>Today Date: 02 Dec 2024\nuser: hi\n');
  });

  test('special tokens as strings, tools and documents None, enable_thinking only when set', () => {
    const config: TokenizerConfig = { bos_token: { content: '<s>' }, eos_token: '</s>', pad_token: null, additional_special_tokens: ['<a>', { content: '<b>' }] };
    const vars = chatTemplateVariables(config, user('x'), {});
    assert.deepEqual(vars, {
      messages: [{ role: 'user', content: 'x' }],
      tools: null,
      documents: null,
      add_generation_prompt: true,
      bos_token: '<s>',
      eos_token: '</s>',
      additional_special_tokens: ['<a>', '<b>'],
    });
    assert.equal(chatTemplateVariables(config, [], { enableThinking: false }).enable_thinking, false);
    const probe: TokenizerConfig = { chat_template: '{{ tools is none }} {{ pad_token is defined }} {{ enable_thinking is defined }}' };
    assert.equal(renderChat(probe, []), 'true false false');
  });

  test('raise_exception becomes an error naming the template and its message', () => {
    const config: TokenizerConfig = { chat_template: "{% if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a user turn') }}{% endif %}ok" };
    assert.equal(renderChat(config, user('x')), 'ok');
    assert.throws(
      () => renderChat(config, [{ role: 'assistant', content: 'x' }], { source: 'M/tokenizer_config.json' }),
      /^ChatTemplateError: M\/tokenizer_config\.json: the chat template refused these messages: Conversations must start with a user turn$/,
    );
  });

  test('no chat_template, a bad one, a list of named ones', () => {
    assert.throws(() => renderChat({}, user('x')), /tokenizer_config\.json \(field 'chat_template'\): this model has no chat template/);
    assert.throws(() => renderChat({ chat_template: '{% for %}' }, user('x')), /tokenizer_config\.json \(field 'chat_template'\): cannot parse the chat template/);
    const named: TokenizerConfig = { chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }] };
    assert.equal(chatTemplateText(named), 'D');
    assert.equal(chatTemplateText(named, { templateName: 'tool_use' }), 'T');
    assert.throws(() => chatTemplateText(named, { templateName: 'rag' }), /no template named 'rag' \(have: tool_use, default\)/);
  });

  test('a model without a chat template fails chatPromptIds naming tokenizer_config.json', async () => {
    const llama2 = await HfTokenizer.load(packageModelDir('llama2'));
    assert.throws(() => llama2.chatPromptIds('hi'), /llama2\/models\/tokenizer_config\.json \(field 'chat_template'\): this model has no chat template/);
  });

  test('chat_template.jinja beside the config wins over tokenizer_config.json, as in transformers', async () => {
    const m = modelDir('qwen3', { 'chat_template.jinja': '{% for m in messages %}[{{ m.content }}]{% endfor %}\n' });
    try {
      const t = await HfTokenizer.load(m.dir);
      assert.equal(t.chatPromptIds('hi').text, '[hi]', 'one trailing newline dropped, as Jinja does');
      assert.throws(() => t.renderChat([], { variables: { messages: 3 } }), /chat_template\.jinja: cannot render the chat template/);
    } finally {
      m.cleanup();
    }
  });
});

// --- Python's Jinja2 as the reference -------------------------------------------------------

// transformers' chat templating, written out in Python from its source (utils/chat_template_utils.py
// and apply_chat_template): an immutable sandbox with trim_blocks, lstrip_blocks and loop controls;
// tojson without ASCII escaping; the globals raise_exception and strftime_now (here a fixed clock);
// render(messages, tools=None, documents=None, add_generation_prompt, **special_tokens_map, **kwargs),
// special_tokens_map holding each special token of tokenizer_config.json that is set, as a string.
// It gets the config and the messages, not our variables, so it checks those too.
const PYTHON_RENDERER = `
import json, sys
from datetime import datetime
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

job = json.load(sys.stdin)
now = datetime(*job["now"])

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def as_text(token):
    return token["content"] if isinstance(token, dict) else token

def special_tokens_map(config):
    out = {}
    for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]:
        value = as_text(config.get(key))
        if value:
            out[key] = value
    extra = [as_text(t) for t in config.get("additional_special_tokens") or []]
    if extra:
        out["additional_special_tokens"] = extra
    return out

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: now.strftime(fmt)
out = []
for r in job["renders"]:
    template = env.from_string(r["template"])
    kwargs = {**special_tokens_map(r["config"]), **r["kwargs"]}
    out.append(template.render(messages=r["messages"], tools=None, documents=None, add_generation_prompt=r["add_generation_prompt"], **kwargs))
json.dump(out, sys.stdout)
`;

const PYTHON = '/usr/bin/python3';

function pythonJinjaMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import jinja2'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return `Debian's python3-jinja2 is not installed (apt-get install -y python3-jinja2): ${PYTHON} -c 'import jinja2' failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
}

interface PythonRender {
  template: string;
  config: TokenizerConfig;
  messages: ChatMessage[];
  add_generation_prompt: boolean;
  kwargs: Record<string, unknown>;
}

function renderWithPython(renders: PythonRender[]): string[] {
  const now = [NOW.getFullYear(), NOW.getMonth() + 1, NOW.getDate(), NOW.getHours(), NOW.getMinutes(), NOW.getSeconds()];
  const r = spawnSync(PYTHON, ['-c', PYTHON_RENDERER], { input: JSON.stringify({ now, renders }), encoding: 'utf8' });
  assert.equal(r.status, 0, `python3 renderer failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

const CONVERSATIONS: { name: string; messages: ChatMessage[]; options?: RenderChatOptions }[] = [
  { name: 'one user turn', messages: user(QUESTION) },
  { name: 'no generation prompt', messages: user(QUESTION), options: { addGenerationPrompt: false } },
  { name: 'thinking off', messages: user(QUESTION), options: { enableThinking: false } },
  { name: 'system and user', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: '  Hi  \n' }] },
  {
    name: 'multi-turn with reasoning',
    messages: [
      { role: 'user', content: 'Compute 2+2.' },
      { role: 'assistant', content: '<think>\n2+2 is 4.\n</think>\n\nThe answer is \\boxed{4}.' },
      { role: 'user', content: '且 3×3？ 🤔\r\n\tdef f(): pass' },
    ],
  },
];

// Exercises what chat templates lean on: None vs undefined, loop controls, namespace, slicing,
// string methods, tojson on non-ASCII text, and every strftime code we support. Two differences of
// @huggingface/jinja from Python are left out, as no chat template we know depends on them: a bare
// boolean prints `true` (Python: `True`; tojson agrees), and a string's length counts UTF-16
// units (an emoji is 2; Python counts code points).
const PROBE_TEMPLATE = `{%- set ns = namespace(n=0) %}
{%- for m in messages[::-1] %}
    {%- if loop.index0 > 5 %}{% break %}{% endif %}
    {%- if m.role == 'system' %}{% continue %}{% endif %}
    {%- set ns.n = ns.n + 1 %}
    [{{ loop.index }}:{{ m.role|upper }}:{{ m.content.strip().split('\n')|length }}:{{ 'T' if m.content.startswith('<think>') else 'F' }}]
{%- endfor %}
n={{ ns.n }} tools_none={{ 'T' if tools is none }} tools_not_none={{ 'T' if tools is not none }} docs={{ 'T' if documents is none }}
json={{ messages[-1] | tojson }}
date={{ strftime_now("%a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %%") }}
{% if add_generation_prompt %}{{ eos_token }}{% endif %}
`;

describe('renderChat equals Python Jinja2 set up as transformers does', () => {
  const missing = pythonJinjaMissing();
  // CI installs python3-jinja2 (.ci/run): there its absence is a failure, not a skip.
  const skip = missing && process.env.CI !== 'true' ? missing : false;

  for (const model of ['qwen3', 'llama3', 'llama3_1', 'probe'] as const) {
    test(`${model}: every conversation renders identically`, { skip }, async () => {
      if (missing) assert.fail(missing);
      const config: TokenizerConfig =
        model === 'probe'
          ? { chat_template: PROBE_TEMPLATE, eos_token: '</s>' }
          : ((await readJsonObject(path.join(packageModelDir(model), 'tokenizer_config.json'))) as TokenizerConfig);
      const template = chatTemplateText(config);
      const ours = CONVERSATIONS.map((c) => renderChat(config, c.messages, { ...c.options, now: () => NOW }));
      const python = renderWithPython(
        CONVERSATIONS.map((c) => ({
          template,
          config,
          messages: c.messages,
          add_generation_prompt: c.options?.addGenerationPrompt ?? true,
          kwargs: c.options?.enableThinking === undefined ? {} : { enable_thinking: c.options.enableThinking },
        })),
      );
      CONVERSATIONS.forEach((c, i) => assert.equal(ours[i], python[i], c.name));
    });
  }
});
