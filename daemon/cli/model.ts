// `rlvr model <logprobs|generate|tokenize|info>`: a model folder (Hugging Face or rlvr) from the
// command line; each subcommand's last stdout line is one JSON object.
type Subcommand = { run(argv: string[]): Promise<number> };

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  logprobs: { summary: 'next-token log-probs of token sequences', load: () => import('./model/logprobs.js') },
  generate: { summary: 'continue token sequences (temperature 0 = greedy)', load: () => import('./model/generate.js') },
  tokenize: { summary: 'token ids of a text (--chat: of the chat prompt)', load: async () => ({ run: (await import('./model/tokenize.js')).runModelTokenize }) },
  info: { summary: 'architecture, parameters, dtype, vocabulary, context length, chat template', load: () => import('./model/info.js') },
};

const USAGE = `usage: rlvr model <subcommand> --model DIR ...\n\n${Object.entries(SUBCOMMANDS)
  .map(([n, s]) => `  ${n.padEnd(9)} ${s.summary}`)
  .join('\n')}\n\nRun \`rlvr model <subcommand> --help\` for its options.`;

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const sub = SUBCOMMANDS[name];
  if (!Object.hasOwn(SUBCOMMANDS, name) || !sub) {
    console.error(`rlvr model: unknown subcommand '${name}'\n\n${USAGE}`);
    return 2;
  }
  return (await sub.load()).run(rest);
}
