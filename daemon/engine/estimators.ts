// avg@k and pass@k as the paper reports them. pass@k uses the unbiased estimator of Chen et
// al. (Codex): with n samples of which c are correct, 1 - C(n-c, k) / C(n, k), computed as a
// running product so large n never overflows.

export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) || c < 0 || c > n || k < 1 || k > n) {
    throw new Error(`pass@k needs integers 0 <= c <= n and 1 <= k <= n, got n=${n} c=${c} k=${k}`);
  }
  if (n - c < k) return 1;
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  let ratio = 1;
  for (let i = n - c + 1; i <= n; i++) ratio *= 1 - k / i;
  return 1 - ratio;
}

/** Per problem: n samples, c correct. avg@k = mean pass rate; pass@k = mean unbiased pass@k. */
export function aggregate(results: readonly { n: number; c: number }[], k: number): { avgAtK: number; passAtK: number } {
  if (results.length === 0) return { avgAtK: 0, passAtK: 0 };
  let avg = 0;
  let pass = 0;
  for (const { n, c } of results) {
    avg += c / n;
    pass += passAtK(n, c, Math.min(k, n));
  }
  return { avgAtK: avg / results.length, passAtK: pass / results.length };
}
