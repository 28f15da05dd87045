// Hostile programs are contained: each runs in the real sandbox, and the test checks from
// the host side that nothing got out (no connection, no file written or read, no process
// left behind) and that the pool still works afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { CodeTask, VerifyResult } from '../../../shared/verify.js';
import { runProgram, SandboxPool } from '../../../daemon/verify/code/index.js';

const pool = new SandboxPool({ size: 2 });
after(() => pool.close());

const task = (output = '', extra: Partial<CodeTask> = {}): CodeTask => ({ kind: 'code', tests: [{ input: '', output }], time_limit_s: 1, ...extra });
const run = (program: string, t: CodeTask = task()): Promise<VerifyResult> => runProgram(t, program, { pool });
const firstTest = (r: VerifyResult) => (r.details.kind === 'code' ? r.details.tests[0] : assert.fail('code details expected'));

async function poolStillWorks(): Promise<void> {
  const r = await run('print(sum(range(10)))', task('45'));
  assert.equal(r.reward, 1, `a plain program after the hostile one: ${JSON.stringify(r)}`);
}

/** Host processes whose command line contains `marker`. */
function hostProcessesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

test('an infinite loop ends as time_limit_exceeded', async () => {
  const r = await run('x = 0\nwhile True:\n    x += 1');
  assert.equal(r.verdict, 'time_limit_exceeded');
  await poolStillWorks();
});

test('a fork bomb is contained and leaves nothing behind', async () => {
  const marker = `876543.${process.pid}${Date.now() % 100000}`;
  const program = [
    'import os',
    'while True:',
    '    try:',
    '        if os.fork() == 0 and os.getpid() % 2 == 0:',
    `            os.execv("/usr/bin/sleep", ["sleep", "${marker}"])`,
    '    except OSError:',
    '        pass',
  ].join('\n');
  const r = await run(program);
  assert.equal(r.reward, 0);
  assert.notEqual(r.verdict, 'passed');
  assert.deepEqual(hostProcessesWith(marker), [], 'fork bomb processes survived the verdict');
  await poolStillWorks();
});

test('an 8 GB allocation ends as memory_limit_exceeded', async () => {
  const r = await run('x = bytearray(8 * 1024 ** 3)\nprint(len(x))', task('8589934592'));
  assert.equal(r.verdict, 'memory_limit_exceeded', JSON.stringify(r));
  await poolStillWorks();
});

test('a socket connect to a listener on 127.0.0.1 never reaches it', async () => {
  let connections = 0;
  const seenFrom = new Set<number>();
  const waiting = new Map<number, () => void>();
  const server = net.createServer((s) => {
    connections++;
    seenFrom.add(s.remotePort!);
    waiting.get(s.remotePort!)?.();
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  /** Connects from the host and resolves once the listener has handled this very connection. */
  const controlConnection = () =>
    new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1').on('error', reject);
      c.on('connect', () => {
        if (seenFrom.has(c.localPort!)) resolve();
        else waiting.set(c.localPort!, resolve);
        c.destroy();
      });
    });
  try {
    // The control: the listener does count a connection made from the host.
    await controlConnection();
    assert.equal(connections, 1, 'the control connection was not seen');
    const program = [
      'import socket',
      'try:',
      `    s = socket.create_connection(("127.0.0.1", ${port}), timeout=1)`,
      '    s.sendall(b"hello")',
      '    print("connected")',
      'except OSError as e:',
      '    print("blocked", type(e).__name__)',
    ].join('\n');
    const r = await run(program, task('connected'));
    // The listener accepts in arrival order: once a second control connection is seen, any
    // connection the program made before it would have been seen too.
    await controlConnection();
    assert.equal(connections, 2, 'the sandboxed program reached the host listener');
    assert.equal(r.reward, 0);
    assert.match(firstTest(r).actual ?? '', /^blocked/);
  } finally {
    server.close();
  }
});

test('writes outside the work dir do not reach the host', async () => {
  const hostDir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-hostile-'));
  chmodSync(hostDir, 0o777); // writable by anyone: only invisibility can stop the write
  const targets = [path.join(hostDir, 'pwned'), path.join(os.tmpdir(), `rlvr-pwned-${process.pid}`), '/usr/rlvr-pwned', path.join(os.homedir(), `rlvr-pwned-${process.pid}`)];
  try {
    const program = [
      'import os',
      `for p in ${JSON.stringify(targets)}:`,
      '    try:',
      '        os.makedirs(os.path.dirname(p), exist_ok=True)',
      '        open(p, "w").write("x")',
      '        print("wrote", p)',
      '    except OSError as e:',
      '        print("denied", p)',
      'open("inside.txt", "w").write("fine")',
      'print(open("inside.txt").read())',
    ].join('\n');
    const r = await run(program);
    const out = firstTest(r).actual ?? '';
    assert.match(out, /fine/, `the work dir itself must be writable: ${JSON.stringify(r)}`);
    // Inside, /tmp is the sandbox's own tmpfs; anywhere else (/usr, the home) is refused.
    for (const p of targets.slice(2)) assert.match(out, new RegExp(`denied ${p}`), out);
    for (const p of targets) assert.equal(existsSync(p), false, `${p} was written on the host`);
  } finally {
    rmSync(hostDir, { recursive: true, force: true });
    for (const p of targets.slice(1)) rmSync(p, { force: true });
  }
});

test("a file in the user's home cannot be read", async () => {
  const secretName = `.rlvr-sandbox-secret-${process.pid}`;
  const secretPath = path.join(os.homedir(), secretName);
  const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
  writeFileSync(secretPath, secret, { mode: 0o644 });
  try {
    const program = [
      'import os, glob',
      `paths = [${JSON.stringify(secretPath)}, os.path.expanduser("~/${secretName}")] + glob.glob("/*/${secretName}") + glob.glob("/home/*/${secretName}")`,
      'for p in paths:',
      '    try:',
      '        print(open(p).read())',
      '    except OSError:',
      '        print("unreadable", p)',
      'print(sorted(os.listdir("/")))',
    ].join('\n');
    const r = await run(program);
    const out = firstTest(r).actual ?? '';
    assert.match(out, /unreadable/, JSON.stringify(r));
    assert.doesNotMatch(out, new RegExp(secret));
    assert.doesNotMatch(out, /'root'|'home'|'etc'/, `host folders visible: ${out}`);
  } finally {
    rmSync(secretPath, { force: true });
  }
});

test('a setsid child that outlives its parent is dead after the verdict', async () => {
  const marker = `987654.${process.pid}${Date.now() % 100000}`;
  // The control: the scan does see a host process carrying the marker.
  const control = spawn('/usr/bin/sleep', [`${marker}9`], { detached: true, stdio: 'ignore' });
  await new Promise((resolve, reject) => control.once('spawn', resolve).once('error', reject)); // exec'd: its command line is in /proc
  assert.equal(hostProcessesWith(`${marker}9`).length, 1, 'the control process was not found');
  control.kill('SIGKILL');

  const program = [
    'import os, time',
    'if os.fork() == 0:',
    '    os.setsid()',
    '    if os.fork() == 0:',
    `        os.execv("/usr/bin/sleep", ["sleep", "${marker}"])`,
    '    os._exit(0)',
    'time.sleep(0.3)',
    'print("parent done")',
  ].join('\n');
  const r = await run(program, task('parent done'));
  assert.equal(r.reward, 1, JSON.stringify(r));
  assert.deepEqual(hostProcessesWith(marker), [], 'the orphan survived the verdict');
  await poolStillWorks();
});

test('400,000 files in the tmpfs are stopped with a clear verdict, and the next test finds none', async () => {
  const program = ['import os', 'for i in range(400000):', '    open(f"/tmp/f{i}", "w").close()', 'print("made them all")'].join('\n');
  const r = await run(program, task('made them all', { time_limit_s: 20 }));
  assert.equal(r.verdict, 'runtime_error', JSON.stringify(r));
  assert.match(firstTest(r).message ?? '', /file limit exceeded: more than 10000 files/);
  const after = await run('import os\nprint(len(os.listdir("/tmp")) + len(os.listdir("/dev/shm")) + len(os.listdir(".")))', task('0'));
  assert.equal(after.reward, 1, `files left for the next program: ${JSON.stringify(after)}`);
});

test('2 GB written to /tmp, /dev/shm or /dev ends at the tmpfs cap, not in host memory', async () => {
  // 16 MB files (the per-file cap) until the writes fail: each writable place is a small tmpfs
  // or read-only, so what got written is bounded whatever the host's memory.
  const program = [
    'import os',
    'chunk = b"x" * (1 << 20)',
    'for d in ["/tmp", "/dev/shm", "/dev"]:',
    '    total = 0',
    '    try:',
    '        for i in range(128):',
    '            with open(f"{d}/big{i}", "wb") as f:',
    '                for _ in range(16):',
    '                    f.write(chunk); total += len(chunk)',
    '    except OSError as e:',
    '        pass',
    '    print(d, total >> 20)',
  ].join('\n');
  const r = await run(program, task('', { time_limit_s: 20 }));
  const lines = (firstTest(r).actual ?? '').trim().split('\n');
  assert.equal(lines.length, 3, JSON.stringify(r));
  for (const line of lines) {
    const [dir, mb] = line.split(' ');
    assert.ok(Number(mb) <= 64, `${dir} took ${mb} MB`);
  }
  assert.equal(lines[2], '/dev 0', 'the /dev tmpfs must be read-only');
  await poolStillWorks();
});

test('100 MB of output is cut off at the cap', async () => {
  const r = await run('import sys\nchunk = "x" * 1048576\nfor _ in range(100):\n    sys.stdout.write(chunk)', task('x'));
  assert.equal(r.reward, 0);
  assert.equal(r.verdict, 'runtime_error');
  const t = firstTest(r);
  assert.match(t.message ?? '', /output limit/);
  assert.ok((t.actual ?? '').length < 70 * 1024, `kept ${t.actual?.length} chars`);
  await poolStillWorks();
});

test('killing the sandbox worker from inside is a failure, and the pool recovers', async () => {
  const r = await run('import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint("x")', task('x'));
  assert.equal(r.reward, 0);
  await poolStillWorks();
});

test("the expected output is nowhere in the memory a program inherits from the worker", async () => {
  const secret = `EXPECTED-${Math.random().toString(36).slice(2)}`;
  // Walks every frame and every tracked container for a string holding the expected value.
  const thief = [
    'import sys, gc',
    'def steal(*_):',
    '    hits = []',
    '    marker = "EXPEC" + "TED-"  # built at run time, so the program text does not match itself',
    '    def look(v):',
    '        if isinstance(v, bytes): v = v.decode("utf-8", "replace")',
    '        if isinstance(v, str) and marker in v and v != marker: hits.append(v[v.index(marker):].split(chr(34))[0])',
    '    fr = sys._getframe()',
    '    while fr:',
    '        for v in list(fr.f_locals.values()): look(v)',
    '        fr = fr.f_back',
    '    for o in gc.get_objects():',
    '        if o is hits: continue',
    '        if isinstance(o, dict):',
    '            for v in list(o.values()): look(v)',
    '        elif isinstance(o, (list, tuple)):',
    '            for v in o: look(v)',
    '    return hits[0] if hits else "nothing"',
  ].join('\n');
  const call = await run(thief, { kind: 'code', fn_name: 'steal', tests: [{ input: '1', output: JSON.stringify(secret) }] });
  assert.equal(call.reward, 0, JSON.stringify(call));
  assert.equal(firstTest(call).actual, `"nothing"`, JSON.stringify(call));
  const stdio = await run(`${thief}\nprint(steal())`, task(secret));
  assert.equal(stdio.reward, 0, JSON.stringify(stdio));
  assert.equal(firstTest(stdio).actual?.trim(), 'nothing');
});
