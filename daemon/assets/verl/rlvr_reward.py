"""RLVR Studio's verifiers as verl's reward function.

In verl's config (the keys of verl's ppo_trainer.yaml at volcengine/verl b178a3cd):
    custom_reward_function.path=$(rlvr verl reward-module)
    custom_reward_function.name=compute_score

compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) asks the
rlvr daemon (or `rlvr sandbox`) to verify one response and returns
    {"score": 1.0 | 0.0, "acc": bool, "verdict": str, "pred": str}
- math: ground_truth is the reference answer, judged by our math verifier;
- code: ground_truth is a JSON object (or its text) with "inputs"/"outputs" and optional
  "fn_name" (or "functional": a check(candidate) block, as `rlvr curate --format verl` writes
  assert-style tests); the program is the response's last ```python block, and the reward is 1 only if
  every test passes (AceReason's rule, not a fraction of tests).

Where the daemon is: RLVR_URL (e.g. http://10.0.0.5:8080, an `rlvr sandbox`) with RLVR_TOKEN,
else the lock file of RLVR_DATA_DIR (or the default data dir) that `rlvr serve` writes.
When the daemon cannot be reached or the verifier itself fails (sandbox down, verifier
error, timeout), this raises RlvrRewardError: a verifier failure must never look like a wrong
answer. Standard library only: it runs in verl's workers as they are.
"""

import json
import os
import urllib.error
import urllib.request

__all__ = ["compute_score", "RlvrRewardError"]

# Verdicts that say the verifier could not judge (shared/verify.ts VERIFIER_FAILURE_VERDICTS).
VERIFIER_FAILURES = ("timeout", "sandbox_error", "verifier_error")
VERIFY_METHOD = "rlvr/verify"
DEFAULT_TIMEOUT_S = 300.0


class RlvrRewardError(RuntimeError):
    """The reward could not be computed (not: the answer is wrong)."""


def _default_data_dir():
    if os.environ.get("RLVR_DATA_DIR"):
        return os.path.abspath(os.environ["RLVR_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "rlvr-studio")


def _endpoint():
    """(base URL, token), read again on every call: a restarted daemon has a new port and token."""
    url = os.environ.get("RLVR_URL")
    if url:
        # No token: only an `rlvr sandbox` on loopback started without --token-file accepts that.
        return url.rstrip("/"), os.environ.get("RLVR_TOKEN") or None
    lock_file = os.path.join(_default_data_dir(), "daemon.lock")
    try:
        with open(lock_file, encoding="utf-8") as f:
            lock = json.load(f)
        return "http://127.0.0.1:%d" % int(lock["port"]), str(lock["token"])
    except FileNotFoundError:
        raise RlvrRewardError(
            "no rlvr daemon: %s does not exist (start `rlvr serve`, or set RLVR_URL and RLVR_TOKEN)" % lock_file
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RlvrRewardError("cannot read the daemon lock file %s: %s" % (lock_file, e)) from None


def _io_text(v):
    if isinstance(v, str):
        return v
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "\n".join(v)
    return json.dumps(v)


def _code_task(tests):
    inputs, outputs = tests["inputs"], tests["outputs"]
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise RlvrRewardError("ground_truth: 'inputs' and 'outputs' must be lists of the same length")
    fn_name = tests.get("fn_name")
    if fn_name:
        # Call-based: one JSON argument per line, the return value as JSON (shared/verify.ts IoTest).
        cases = [
            {"input": "\n".join(json.dumps(a) for a in i) if isinstance(i, list) else _io_text(i), "output": json.dumps(o)}
            for i, o in zip(inputs, outputs)
        ]
        return {"kind": "code", "tests": cases, "fn_name": str(fn_name)}
    return {"kind": "code", "tests": [{"input": _io_text(i), "output": _io_text(o)} for i, o in zip(inputs, outputs)]}


def task_of(ground_truth):
    """The verifier task for a ground truth: code tests when it is {inputs, outputs}, else a math answer."""
    gt = ground_truth
    if isinstance(gt, (bytes, bytearray)):
        gt = gt.decode("utf-8")
    if isinstance(gt, str) and gt.lstrip().startswith("{"):
        try:
            parsed = json.loads(gt)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and (("inputs" in parsed and "outputs" in parsed) or "functional" in parsed):
            gt = parsed
    if isinstance(gt, dict):
        if "inputs" in gt and "outputs" in gt:
            return _code_task(gt)
        if isinstance(gt.get("functional"), str):
            # check(candidate) blocks (LeetCode / HumanEval), as `rlvr curate --format verl` writes them.
            task = {"kind": "code", "tests": {"functional": gt["functional"]}}
            if gt.get("fn_name"):
                task["fn_name"] = str(gt["fn_name"])
            return task
        raise RlvrRewardError("ground_truth: an object must hold 'inputs' and 'outputs', or 'functional' (code tests)")
    if isinstance(gt, (list, tuple)) and len(gt) == 1:
        gt = gt[0]
    return {"kind": "math", "answer": str(gt)}


def _call(task, response):
    base, token = _endpoint()
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": VERIFY_METHOD, "params": {"task": task, "response": response}})
    req = urllib.request.Request(
        base + "/rpc",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})},
        method="POST",
    )
    timeout = float(os.environ.get("RLVR_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            answer = json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")[:500]
        raise RlvrRewardError("rlvr daemon at %s answered HTTP %d: %s" % (base, e.code, detail)) from None
    except (urllib.error.URLError, OSError) as e:
        raise RlvrRewardError("cannot reach the rlvr daemon at %s: %s" % (base, getattr(e, "reason", e))) from None
    except ValueError as e:
        raise RlvrRewardError("rlvr daemon at %s sent a reply that is not JSON: %s" % (base, e)) from None
    if "error" in answer:
        err = answer["error"]
        raise RlvrRewardError("rlvr daemon: %s (code %s)" % (err.get("message"), err.get("code")))
    return answer["result"]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    result = _call(task_of(ground_truth), solution_str if isinstance(solution_str, str) else str(solution_str))
    verdict = result["verdict"]
    details = result.get("details") or {}
    if verdict in VERIFIER_FAILURES:
        why = details.get("message") or ""
        raise RlvrRewardError("verifier failure (%s) on a %s problem from %s: %s" % (verdict, details.get("kind", "?"), data_source, why))
    pred = details.get("extracted") if details.get("kind") == "math" else details.get("program")
    return {
        "score": float(result["reward"]),
        "acc": result["reward"] == 1,
        "verdict": verdict,
        "pred": pred if pred is not None else "",
    }
