// How much the CLI and the daemon say. Default: what a user acts on. RLVR_LOG=debug (set by
// `rlvr --verbose`) adds what is hidden otherwise, such as the stderr of native probes.

export function debugLogging(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.RLVR_LOG ?? '').trim().toLowerCase() === 'debug';
}
