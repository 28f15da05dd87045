# The sandbox worker: a long-lived Python process inside bubblewrap that forks once per
# test, so each test pays for a fork instead of an interpreter start (~25 ms vs ~100 ms).
#
# Protocol: one JSON object per line. The worker writes {"ready": ...} once, then reads
# jobs from fd 0 and answers each with one line on fd 1. It only *runs* code and reports
# what happened (exit, exception, output, resources); the verdict is decided by the
# daemon (daemon/verify/code/judge.ts). Expected values reach this process only after a
# test's processes are gone ({"compare": ...}), so a program cannot read them.
# Known limit: the forked test shares the harness's memory, so a program written to hunt
# for the harness's nonce could forge the "checks completed" report of an assert-style
# test. Output and return values are compared outside its reach.
#
# argv: [mode] where mode is "sandboxed" (own pid namespace: everything but us may be
# killed) or "unsafe" (no namespace: only our own descendants are touched).
import gc
import io
import json
import math
import os
import resource
import selectors
import signal
import sys
import time
import traceback

SANDBOXED = len(sys.argv) > 1 and sys.argv[1] == "sandboxed"
WORK_DIR = os.getcwd()
STDERR_TAIL = 4096
# The sandbox's writable tmpfs are capped in bytes by bubblewrap, but it cannot cap their
# inodes, and an empty file costs the host about 1 KB of kernel memory that no rlimit sees.
# So the files on them are counted while a test runs; a program over the cap is stopped.
WRITABLE_DIRS = [WORK_DIR, "/tmp", "/dev/shm"]
FILE_CHECK_S = 0.05
RESULT_FD = 3
STACK_BYTES = 512 << 20

# The usual LeetCode prelude. Imported once here, so each forked test finds the modules
# already loaded and only pays for the name bindings.
PRELUDE = """
from typing import *
from collections import *
from heapq import *
from bisect import *
from math import *
from itertools import *
from functools import *
from operator import *
from string import *
from copy import deepcopy, copy
import typing, collections, heapq, bisect, math, itertools, functools, operator, string
import re, sys, copy, random, json, datetime, statistics, decimal, fractions
from builtins import pow, sum, min, max, abs, round
try:
    from sortedcontainers import SortedList, SortedDict, SortedSet
except ImportError:
    pass
inf = float('inf')

class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right
"""
# Bound once here; each test starts from a copy of these globals. Executing the prelude in
# the forked test instead costs ~14 ms of CPU: the import statements touch (and so copy)
# many shared pages, where one dict copy touches few.
PRELUDE_GLOBALS = {"__name__": "__main__"}
exec(compile(PRELUDE, "<prelude>", "exec"), PRELUDE_GLOBALS)
PRELUDE_GLOBALS["__builtins__"] = __builtins__


def _prctl(option, value):
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0)
    except Exception:
        return -1


PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
# Not dumpable: a test program (same uid) cannot read or write our memory via /proc.
_prctl(PR_SET_DUMPABLE, 0)
# Subreaper: orphans of a test (a setsid grandchild) become our children, so we can find
# and kill them even without a pid namespace.
_prctl(PR_SET_CHILD_SUBREAPER, 1)


def send(obj):
    data = (json.dumps(obj) + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(1, view)
        view = view[n:]


def tail(data, limit):
    text = data.decode("utf-8", "replace")
    return text[-limit:]


# ---------------------------------------------------------------- the forked child

def run_child(job, stdin_r, stdout_w, stderr_w, result_w):
    """In the forked child: limit, redirect, run the program. Never returns."""
    try:
        os.setsid()
        tl = max(0.1, float(job["time_limit_s"]))
        cpu = max(1, math.ceil(tl))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        mem = int(job["memory_limit_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_FSIZE, (job.get("file_limit", 16 << 20),) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # Deep recursion through C wrappers (@cache, @lru_cache) needs C stack: 8 MB
        # segfaults near depth 15,000, far below the recursion limit. The main thread's
        # stack grows on demand up to this limit.
        _, stack_hard = resource.getrlimit(resource.RLIMIT_STACK)
        stack = STACK_BYTES if stack_hard == resource.RLIM_INFINITY else min(STACK_BYTES, stack_hard)
        resource.setrlimit(resource.RLIMIT_STACK, (stack, stack_hard))
        nproc = int(job.get("nproc_limit", 64))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        os.dup2(result_w, RESULT_FD)
        os.closerange(RESULT_FD + 1, 65536)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.chdir(WORK_DIR)
    except BaseException:
        os._exit(120)

    # Fresh stream objects: the worker's own sys.stdin may hold buffered protocol bytes.
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="replace")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="replace")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="replace", line_buffering=True)
    sys.setrecursionlimit(50000)
    report_file = io.FileIO(RESULT_FD, "w", closefd=False)
    # The nonce proves the harness itself reached the end: os._exit(0) from the program
    # ends the process before it is written, and that is never a pass.
    nonce = job.pop("nonce")

    def report(obj):
        obj["nonce"] = nonce
        try:
            report_file.write((json.dumps(obj) + "\n").encode())
        except BaseException:
            pass

    def finish(code):
        # As at a normal interpreter exit, wait for the program's non-daemon threads: the
        # competitive-programming idiom runs main() in a thread with a big stack.
        threading = sys.modules.get("threading")
        if threading is not None:
            try:
                threading._shutdown()
            except BaseException:
                pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code)

    mode = job["mode"]
    g = dict(PRELUDE_GLOBALS)
    try:
        code = COMPILED.get(job["program"]) or compile(job["program"], "<solution>", "exec")
    except (SyntaxError, ValueError, OverflowError) as e:
        report({"status": "syntax_error", "exc_type": type(e).__name__, "traceback": "".join(traceback.format_exception_only(type(e), e))[-STDERR_TAIL:]})
        finish(0)
    except BaseException as e:
        report({"status": "exception", "exc_type": type(e).__name__, "traceback": repr(e)[-STDERR_TAIL:]})
        finish(1)

    try:
        exec(code, g)
        if mode == "call":
            fn = resolve_function(g, job["fn_name"])
            lines = job["input"].split("\n")
            while lines and not lines[-1].strip():
                lines.pop()
            args = [json.loads(line) for line in lines]
            result = fn(*args)
            try:
                encoded = json.dumps(result)
            except (TypeError, ValueError):
                encoded = None
            sys.stdout.flush()
            report({"status": "ok", "result": encoded, "result_repr": None if encoded is not None else repr(result)[:2000]})
        elif mode == "functional":
            g["__rlvr_same__"] = same
            tree = harden_asserts(job["check"])
            exec(compile(tree, "<check>", "exec"), g)
            if not calls_check(tree):
                # HumanEval style: the block only defines check(); the harness calls it.
                g["check"](resolve_function(g, job["fn_name"]))
            sys.stdout.flush()
            report({"status": "ok"})
        else:
            sys.stdout.flush()
            report({"status": "ok"})
    except SystemExit as e:
        if mode == "stdio" and e.code in (None, 0):
            try:
                sys.stdout.flush()
            except BaseException:
                pass
            report({"status": "ok"})
        else:
            report({"status": "exception", "exc_type": "SystemExit", "traceback": f"SystemExit: {e.code!r}"})
            finish(1)
    except BaseException as e:
        tb = traceback.format_exception(type(e), e, e.__traceback__)
        frames = traceback.extract_tb(e.__traceback__)
        check_lines = [f.lineno for f in frames if f.filename == "<check>"]
        rep = {"status": "exception", "exc_type": type(e).__name__, "traceback": "".join(tb)[-STDERR_TAIL:]}
        if check_lines:
            # The deepest line of the check block on the stack: the assert that failed, or
            # the call into the program that raised.
            rep["check_line"] = check_lines[-1]
            rep["check_source"] = job["check"].split("\n")[check_lines[-1] - 1].strip()[:500]
            rep["raised_in_check"] = frames[-1].filename == "<check>"
        report(rep)
        try:
            sys.stderr.write("".join(tb))
        except BaseException:
            pass
        finish(1)
    finish(0)


# Types a program may return into an `assert x == y` of a check block. Exact types only:
# a class of the program's own (or a subclass of int/list) could define __eq__ to agree
# with anything, the classic way to pass every assert.
TRUSTED_TYPES = {
    int, float, complex, bool, str, bytes, type(None), list, tuple, dict, set, frozenset,
    __import__("collections").Counter, __import__("collections").defaultdict,
    __import__("collections").OrderedDict, __import__("collections").deque,
    __import__("decimal").Decimal, __import__("fractions").Fraction,
}
CONTAINERS = (list, tuple, set, frozenset, __import__("collections").deque)
MAPPINGS = (dict, __import__("collections").Counter, __import__("collections").defaultdict, __import__("collections").OrderedDict)


def trusted(value, budget=2_000_000):
    stack = [value]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        x = stack.pop()
        t = type(x)
        if t not in TRUSTED_TYPES:
            return False
        if t in CONTAINERS:
            stack.extend(x)
        elif t in MAPPINGS:
            stack.extend(x.keys())
            stack.extend(x.values())
    return True


def same(a, b):
    """`a == b` of an assert in a check block, refused for values of untrusted types."""
    return trusted(a) and trusted(b) and a == b


def harden_asserts(source):
    """Rewrites `assert a == b` into `assert __rlvr_same__(a, b)`; line numbers are kept."""
    import ast

    class Rewrite(ast.NodeTransformer):
        def visit_Assert(self, node):
            t = node.test
            if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq):
                call = ast.Call(func=ast.Name("__rlvr_same__", ast.Load()), args=[t.left, t.comparators[0]], keywords=[])
                node.test = ast.copy_location(call, t)
            return node

    return ast.fix_missing_locations(Rewrite().visit(ast.parse(source, "<check>")))


def calls_check(tree):
    """Whether the check block itself calls check(...) at top level."""
    import ast
    return any(
        isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
        and isinstance(n.value.func, ast.Name) and n.value.func.id == "check"
        for n in tree.body
    )


def resolve_function(g, name):
    # As LiveCodeBench: a `class Solution` program is called through an instance.
    cls = g.get("Solution")
    if isinstance(cls, type):
        inst = cls()
        if hasattr(inst, name):
            return getattr(inst, name)
    fn = g.get(name)
    if fn is None:
        raise NameError(f"function {name!r} is not defined")
    return fn


# ---------------------------------------------------------------- the worker side

# Programs compiled here, before the fork: every test of a program shares one compile, and
# a program that does not compile costs no fork at all (a young policy writes many).
# Compiling runs no code of the program; CPython bounds constant folding and nesting.
COMPILED = {}
COMPILED_KEEP = 64
COMPILE_HERE_MAX_CHARS = 1 << 20


def syntax_error_answer(job, e):
    return {
        "id": job["id"], "status": None, "stdout": "", "stdout_bytes": 0, "stderr": "",
        "wall_ms": 0.0, "cpu_ms": 0.0, "maxrss_kb": 0, "leftover": False, "exit_code": 0,
        "report": {"status": "syntax_error", "exc_type": type(e).__name__,
                   "traceback": "".join(traceback.format_exception_only(type(e), e))[-STDERR_TAIL:]},
    }


def precompile(job):
    """The syntax-error answer when the program does not compile, else None."""
    program = job["program"]
    if program in COMPILED or len(program) > COMPILE_HERE_MAX_CHARS:
        return None
    try:
        code = compile(program, "<solution>", "exec")
    except (SyntaxError, ValueError, OverflowError) as e:
        return syntax_error_answer(job, e)
    except Exception:
        return None  # e.g. RecursionError on deep nesting: the child meets it under its limits
    if len(COMPILED) >= COMPILED_KEEP:
        COMPILED.pop(next(iter(COMPILED)))
    COMPILED[program] = code
    return None


def run_job(job):
    early = precompile(job)
    if early is not None:
        return early
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    result_r, result_w = os.pipe()
    nonce = job["nonce"]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        for fd in (stdin_w, stdout_r, stderr_r, result_r):
            os.close(fd)
        run_child(job, stdin_r, stdout_w, stderr_w, result_w)
        os._exit(121)
    for fd in (stdin_r, stdout_w, stderr_w, result_w):
        os.close(fd)

    wall_limit = float(job["wall_limit_s"])
    deadline = start + wall_limit
    hard_deadline = start + 3 * wall_limit
    output_limit = int(job["output_limit"])
    result_limit = int(job.get("result_limit", output_limit))
    out = bytearray()
    err = bytearray()
    res = bytearray()
    state = {"status": None, "out_total": 0}
    sel = selectors.DefaultSelector()
    open_reads = {stdout_r, stderr_r, result_r}
    for fd in open_reads:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    in_view = memoryview(job.get("input", "").encode() if job["mode"] == "stdio" else b"")
    if in_view:
        os.set_blocking(stdin_w, False)
        sel.register(stdin_w, selectors.EVENT_WRITE)
    else:
        os.close(stdin_w)
        stdin_w = -1
    try:
        pidfd = os.pidfd_open(pid)
        sel.register(pidfd, selectors.EVENT_READ)
    except (AttributeError, OSError):
        pidfd = -1

    def stop(status):
        if state["status"] is None:
            state["status"] = status
            kill_tree(pid)

    def read_fd(fd):
        """Read what is ready on one of the child's pipes (bounded, so a flood cannot
        starve the deadline check); caps stdout and the report."""
        for _ in range(64):
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                sel.unregister(fd)
                os.close(fd)
                open_reads.discard(fd)
                return
            if fd == stdout_r:
                state["out_total"] += len(chunk)
                if len(out) < output_limit:
                    out.extend(chunk[: output_limit - len(out)])
                if state["out_total"] > output_limit:
                    return stop("output_limit")
            elif fd == stderr_r:
                err.extend(chunk)
                if len(err) > 2 * STDERR_TAIL:
                    del err[: len(err) - STDERR_TAIL]
            elif len(res) + len(chunk) > result_limit + 4096:
                return stop("result_limit")
            else:
                res.extend(chunk)

    file_limit = int(job.get("files_limit", 0)) if SANDBOXED else 0
    base_files = files_in_use() if file_limit else 0
    next_file_check = start + FILE_CHECK_S

    wait_status = None
    rusage = None
    while True:
        got, st, ru = os.wait4(pid, os.WNOHANG)
        if got == pid:
            wait_status, rusage = st, ru
            # Everything the child wrote is in the pipes now. Read it and stop: a grandchild
            # may hold the pipes open, but the test ended when the child did.
            for fd in list(open_reads):
                read_fd(fd)
            break
        now = time.monotonic()
        if file_limit and now >= next_file_check:
            next_file_check = now + FILE_CHECK_S
            if files_in_use() - base_files > file_limit:
                stop("files_limit")
                _, wait_status, rusage = os.wait4(pid, 0)
                break
        if now > deadline:
            # Time the test spent ready but waiting for a CPU is the machine's fault, not
            # the program's: give it back (up to 3x the limit), so a correct program is not
            # failed because other work crowded the cores. Only for a lone process: with
            # descendants alive, the wait may be self-inflicted (a fork bomb starves itself).
            waited = runqueue_wait_s(pid) if SANDBOXED and not others_alive(pid) else 0.0
            if now - start - waited < wall_limit and now < hard_deadline:
                deadline = min(hard_deadline, start + wall_limit + waited + 0.05)
                continue
            stop("timeout")
            _, wait_status, rusage = os.wait4(pid, 0)
            break
        timeout = deadline - now if pidfd >= 0 else min(deadline - now, 0.02)
        if file_limit:
            timeout = min(timeout, next_file_check - now)
        for key, _ in sel.select(max(0.0, timeout)):
            fd = key.fd
            if fd == pidfd:
                # The child exited; the wait4 at the top of the loop collects it.
                sel.unregister(pidfd)
                os.close(pidfd)
                pidfd = -1
            elif fd == stdin_w:
                try:
                    n = os.write(stdin_w, in_view[:65536])
                    in_view = in_view[n:]
                except BlockingIOError:
                    continue
                except OSError:
                    in_view = in_view[:0]
                if not in_view:
                    sel.unregister(stdin_w)
                    os.close(stdin_w)
                    stdin_w = -1
            elif fd in open_reads:
                read_fd(fd)
    wall_ms = (time.monotonic() - start) * 1000.0

    for fd in list(open_reads) + [stdin_w, pidfd]:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
    sel.close()
    leftover = clean_up()

    report = None
    for line in bytes(res).split(b"\n"):
        try:
            obj = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("nonce") == nonce:
            report = obj
    answer = {
        "id": job["id"],
        "status": state["status"],
        "stdout": bytes(out).decode("utf-8", "replace"),
        "stdout_bytes": state["out_total"],
        "stderr": tail(bytes(err), STDERR_TAIL),
        "wall_ms": round(wall_ms, 2),
        "cpu_ms": round((rusage.ru_utime + rusage.ru_stime) * 1000.0, 2),
        "maxrss_kb": rusage.ru_maxrss,
        "leftover": leftover,
    }
    if os.WIFSIGNALED(wait_status):
        answer["signal"] = os.WTERMSIG(wait_status)
    else:
        answer["exit_code"] = os.WEXITSTATUS(wait_status)
    if report is not None:
        report.pop("nonce", None)
        answer["report"] = report
    return answer


def files_in_use():
    """Inodes in use on the writable tmpfs (each is its own mount in the sandbox)."""
    used = 0
    for d in WRITABLE_DIRS:
        try:
            st = os.statvfs(d)
            used += st.f_files - st.f_ffree
        except OSError:
            pass
    return used


def runqueue_wait_s(pid):
    """Seconds the process has spent runnable but not running (/proc/PID/schedstat)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def others_alive(child):
    """Whether any process but us, the test's own process and init lives in our pid namespace."""
    mine = {1, os.getpid(), child}
    return any(name.isdigit() and int(name) not in mine for name in os.listdir("/proc"))


def results_match(actual_json, expected_json):
    """Call-based tests as LiveCodeBench compares them: parsed values with Python's ==
    (tuples arrive as lists). Both sides are plain data parsed here, never objects the
    program made, so a custom __eq__ cannot fake a match; Python ints keep big values exact."""
    if actual_json is None:
        return False
    try:
        return json.loads(actual_json) == json.loads(expected_json)
    except ValueError:
        return False


def children():
    pids = set()
    me = os.getpid()
    try:
        for tid in os.listdir(f"/proc/{me}/task"):
            with open(f"/proc/{me}/task/{tid}/children") as f:
                pids.update(int(p) for p in f.read().split())
    except OSError:
        pass
    return pids


def kill_tree(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def clean_up():
    """Kill and reap everything a test left behind; empty the writable dirs.
    Returns True when something could not be removed (the daemon then restarts us)."""
    # In our own pid namespace (pid 1 is bwrap's init, we are 2) kill(-1) reaches every
    # other process there, and only those. Outside one it would reach the whole user's
    # processes, so it is guarded twice.
    for _ in range(50):
        if SANDBOXED and os.getpid() <= 3:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        kids = children()
        for p in kids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                got, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                got = -1
            if got <= 0:
                break
        if not children():
            break
        time.sleep(0.01)
    leftover = bool(children())
    # /tmp and /dev/shm are the sandbox's own tmpfs; outside one they are the host's.
    for d in (WRITABLE_DIRS if SANDBOXED and os.getpid() <= 3 else [WORK_DIR]):
        leftover = empty_dir(d) or leftover
    return leftover


def empty_dir(path):
    import shutil
    failed = False
    try:
        names = os.listdir(path)
    except OSError:
        return False
    for name in names:
        p = os.path.join(path, name)
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
        except OSError:
            failed = True
    return failed


def main():
    # Forked tests then share these objects copy-on-write without the collector
    # touching (and so copying) every page.
    gc.freeze()
    send({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]})
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        try:
            job = json.loads(line)
        except ValueError as e:
            send({"error": f"bad job: {e}"})
            return
        del line  # the fork copies our memory: keep as little of the job in it as we can
        if "compare" in job:
            # Sent only after the test process and all it started are gone, so a program
            # can never find the expected value in the memory it inherits.
            send({"id": job["id"], "match": results_match(*job["compare"])})
            del job  # nor may the next test find this one's expected value
            continue
        try:
            send(run_job(job))
        except Exception as e:
            send({"id": job.get("id"), "error": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-STDERR_TAIL:]})
            return


if __name__ == "__main__":
    main()
