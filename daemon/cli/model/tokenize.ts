// `rlvr model tokenize --model DIR --text T [--chat]`: a Hugging Face model's token ids for T.
//   -> {"ids": [...]}                 T as plain text (tokenizer(T): the post-processor's specials)
//   -> {"ids": [...], "text": "..."}  with --chat: T is the user message; text is the rendered
//                                     chat template (add_generation_prompt), ids its tokens
// The `rlvr model` command dispatches here (argv after `tokenize`).

import { parseArgs } from 'node:util';
import { HfTokenizer } from '../../model/hf/tokenizer.js';

const USAGE = `usage: rlvr model tokenize --model DIR --text T [--chat]

options:
  --model DIR   a Hugging Face model directory (tokenizer.json, tokenizer_config.json, ...)
  --text T      the text to tokenize; with --chat, the user message
  --chat        render T as one user turn with the model's chat template and add_generation_prompt`;

export interface ModelTokenizeResult {
  ids: number[];
  /** The rendered chat template (with --chat only). */
  text?: string;
}

export async function modelTokenize(options: { model: string; text: string; chat?: boolean }): Promise<ModelTokenizeResult> {
  const tokenizer = await HfTokenizer.load(options.model);
  if (options.chat) {
    const { text, ids } = tokenizer.chatPromptIds(options.text);
    return { ids, text };
  }
  return { ids: tokenizer.encode(options.text, { addSpecialTokens: true }) };
}

export async function runModelTokenize(argv: string[]): Promise<number> {
  const args = argv[0] === 'tokenize' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      text: { type: 'string' },
      chat: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.model === undefined || values.text === undefined) throw new Error(`--model and --text are required\n${USAGE}`);
  console.log(JSON.stringify(await modelTokenize({ model: values.model, text: values.text, chat: values.chat })));
  return 0;
}
