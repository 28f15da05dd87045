// How an evaluation result reads wherever it is shown (the eval line, `rlvr train`'s table,
// summary.json, the dashboard): samples the verifier could not judge (sandbox or verifier
// error, checker timeout) are said, and a domain whose every sample failed there shows that
// instead of a 0% the policy never earned. Runtime-free: the daemon and the webview share it.

/** Samples the verifier failed on, out of all the evaluation's samples (problems * k). */
export interface VerifierFailures {
  failed: number;
  samples: number;
}

/** `code: verifier failed on 800/800 samples`, or null when every sample was judged. */
export function verifierFailedText(domain: string, f: VerifierFailures | undefined): string | null {
  return f && f.failed > 0 ? `${domain}: verifier failed on ${f.failed}/${f.samples} samples` : null;
}

/** A rate as a table cell: the percentage, or `verifier failed` when no sample was judged. */
export function evalCell(rate: number, f: VerifierFailures | undefined): string {
  if (f && f.samples > 0 && f.failed >= f.samples) return 'verifier failed';
  if (!Number.isFinite(rate)) return '-';
  return `${(100 * rate).toFixed(1)}%${f && f.failed > 0 ? '*' : ''}`;
}
