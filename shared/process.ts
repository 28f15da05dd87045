/**
 * Whether a process with this pid exists. Signal 0 checks without touching it; EPERM means
 * it exists but belongs to another user. Used for stale lock files and orphaned runs.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
