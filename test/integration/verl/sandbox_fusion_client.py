"""verl's SandboxFusion client against our /run_code, in two layers (run by Debian's python3).

Usage: sandbox_fusion_client.py URL   (URL = http://127.0.0.1:PORT/run_code?token=T)

Layer (a), always: our own client that behaves as verl's
`verl/utils/reward_score/sandbox_fusion/utils.py` does at volcengine/verl commit
b178a3cd56f58b2d502255daba591e92833930a7 (read there, not copied): one POST per test case of a
JSON body with exactly the fields compile_timeout, run_timeout, code, stdin, memory_limit_MB,
language, files ({}), fetch_files ([]); headers Content-Type and Accept application/json; a
request timeout of compile + run + 10 s; up to 3 attempts, retrying only on HTTP 504 after
1 s, 2 s; every case submitted at once to a thread pool (max(32, 5 x CPUs)) and gated by the
caller's semaphore; fn_name cases wrap the program so that it reads one JSON argument per stdin
line, calls the function (or Solution's method) and prints the result (JSON for containers,
None and bools; str() otherwise); and per case: True when the API status is Success, the run
Finished and stdout equals the expected output up to trailing newlines, False when it differs,
-2 for a Failed run that Finished with a non-zero code or is Error, -3 for TimeLimitExceeded,
-4 for a compile failure, -1 for a SandboxError or a request that failed.

Layer (b), when VERL_SRC points at a verl checkout (at least
verl/utils/reward_score/sandbox_fusion/): the same cases through verl's own check_correctness,
loaded from that file (verl itself is not installed: its package __init__ needs torch).

Prints one line per check and exits 1 on the first mismatch.
"""

import concurrent.futures
import importlib.util
import json
import os
import sys
import threading
import time

import requests

API_TIMEOUT_S = 10
ATTEMPTS = 3


def post_case(url, code, stdin, timeout, memory_mb, semaphore):
    body = json.dumps(
        {
            "compile_timeout": timeout,
            "run_timeout": timeout,
            "code": code,
            "stdin": stdin,
            "memory_limit_MB": memory_mb,
            "language": "python",
            "files": {},
            "fetch_files": [],
        }
    )
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    with semaphore:
        for attempt in range(ATTEMPTS):
            try:
                r = requests.post(url, headers=headers, data=body, timeout=2 * timeout + API_TIMEOUT_S)
            except requests.exceptions.RequestException:
                return None
            if r.status_code == 504:
                if attempt < ATTEMPTS - 1:
                    time.sleep(attempt + 1)
                continue
            if r.status_code >= 400:
                return None
            try:
                return r.json()
            except ValueError:
                return None
    return None


# Our wrapper for call-based cases (the behaviour verl's has, in our own words).
CALL_WRAPPER = """
import json as _json, sys as _sys
{program}

def _rlvr_call():
    _text = _sys.stdin.read()
    _args = [_json.loads(_l) for _l in _text.split("\\n")] if _text.strip() else []
    if {fn!r} in globals():
        _fn = globals()[{fn!r}]
    else:
        _fn = getattr(globals()["Solution"](), {fn!r})
    _r = _fn(*_args)
    print(_json.dumps(_r) if isinstance(_r, (dict, list, tuple, bool)) or _r is None else str(_r))

if __name__ == "__main__":
    _rlvr_call()
"""


def classify(resp, expected):
    if resp is None or resp.get("status") == "SandboxError":
        return -1
    run = resp.get("run_result") or {}
    comp = resp.get("compile_result")
    if resp["status"] == "Failed":
        if comp and (comp.get("status") in ("Error", "TimeLimitExceeded") or comp.get("return_code") not in (0, None)):
            return -4
        if run.get("status") == "TimeLimitExceeded":
            return -3
        if run.get("status") == "Error" or (run.get("status") == "Finished" and run.get("return_code") != 0):
            return -2
        return -1
    if resp["status"] == "Success" and run.get("status") == "Finished":
        out = run.get("stdout") or ""
        return expected is None or str(out).rstrip("\n") == str(expected).rstrip("\n")
    return -1


def our_check_correctness(url, in_outs, generation, timeout=10, memory_limit_mb=1024, concurrent_semaphore=None):
    inputs, outputs, fn = in_outs["inputs"], in_outs["outputs"], in_outs.get("fn_name")
    code = CALL_WRAPPER.format(program=generation, fn=fn) if fn else generation
    sem = concurrent_semaphore or threading.Semaphore(len(inputs))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(32, (os.cpu_count() or 1) * 5)) as ex:
        futures = [
            ex.submit(post_case, url, code, None if i is None else str(i), timeout, memory_limit_mb, sem) for i in inputs
        ]
        responses = [f.result() for f in futures]
    results = [classify(r, o) for r, o in zip(responses, outputs)]
    if -4 in results:
        first = results.index(-4)
        results = results[:first] + [-4] * (len(results) - first)
    return results, responses


ADD_TWICE = "n = int(input())\nprint(n * 2)\n"
CASES = [
    # (name, program, in_outs, timeout, expected per-case results)
    ("stdin all pass", ADD_TWICE, {"inputs": ["2\n", "5\n", "-1\n"], "outputs": ["4\n", "10", "-2\n"]}, 10, [True, True, True]),
    ("stdin one wrong", ADD_TWICE, {"inputs": ["2\n", "5\n"], "outputs": ["4\n", "11\n"]}, 10, [True, False]),
    ("runtime error", "x = int(input())\nprint(10 // x)\n", {"inputs": ["2\n", "0\n"], "outputs": ["5\n", "0\n"]}, 10, [True, -2]),
    ("syntax error", "def broken(:\n    pass\n", {"inputs": ["1\n"], "outputs": ["1\n"]}, 10, [-2]),
    ("nonzero exit", "import sys\nprint('partial')\nsys.exit(3)\n", {"inputs": [""], "outputs": ["partial\n"]}, 10, [-2]),
    ("timeout", "while True:\n    pass\n", {"inputs": ["1\n"], "outputs": ["1\n"]}, 1, [-3]),
    (
        "fn_name function",
        "def add(a, b):\n    return a + b\n",
        {"fn_name": "add", "inputs": ["1\n2", "[1]\n[2, 3]"], "outputs": ["3", "[1, 2, 3]"]},
        10,
        [True, True],
    ),
    (
        "fn_name Solution method, one wrong",
        "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]\n",
        {"fn_name": "twoSum", "inputs": ["[2, 7, 11]\n9", "[3, 2, 4]\n6"], "outputs": ["[0, 1]", "[1, 2]"]},
        10,
        [True, False],
    ),
    (
        "concurrency: 12 cases through a semaphore of 4",
        ADD_TWICE,
        {"inputs": ["%d\n" % i for i in range(12)], "outputs": ["%d\n" % (2 * i) for i in range(12)]},
        10,
        [True] * 12,
    ),
]


def run_layer(name, check, url, bad_url):
    failures = 0
    for case, program, in_outs, timeout, expected in CASES:
        sem = threading.Semaphore(4)
        results, _ = check(url, dict(in_outs), program, timeout=timeout, concurrent_semaphore=sem)
        ok = results == expected
        failures += 0 if ok else 1
        print("%s %s: %s: got %r, expected %r" % ("ok  " if ok else "FAIL", name, case, results, expected))
    # A wrong token is a failed request for every case (-1), never a wrong answer.
    results, _ = check(bad_url, {"inputs": ["1\n", "2\n"], "outputs": ["2\n", "4\n"]}, ADD_TWICE, timeout=10)
    ok = results == [-1, -1]
    failures += 0 if ok else 1
    print("%s %s: wrong token: got %r, expected [-1, -1]" % ("ok  " if ok else "FAIL", name, results))
    return failures


def load_verl_utils(src):
    path = os.path.join(src, "verl", "utils", "reward_score", "sandbox_fusion", "utils.py")
    spec = importlib.util.spec_from_file_location("verl_sandbox_fusion_utils", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    url = sys.argv[1]
    bad_url = url.split("?")[0] + "?token=wrong"
    failures = run_layer("ours", our_check_correctness, url, bad_url)
    src = os.environ.get("VERL_SRC")
    if src:
        utils = load_verl_utils(src)
        failures += run_layer("verl", utils.check_correctness, url, bad_url)
    else:
        print("skip verl: VERL_SRC is not set, so verl's own check_correctness was not run (layer b)")
    print(json.dumps({"failures": failures, "verl_layer": bool(src)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
