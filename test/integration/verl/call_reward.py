"""Calls the verl reward module as verl would: import the file by path, call compute_score.

Usage: call_reward.py MODULE_PATH CALLS_JSON
CALLS_JSON: [{"data_source", "solution_str", "ground_truth", "extra_info"?}, ...]
Prints one JSON line: per call {"result": {...}} or {"raised": type name, "message": str}.
"""

import importlib.util
import json
import sys


def main():
    spec = importlib.util.spec_from_file_location("custom_module", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = []
    for call in json.loads(sys.argv[2]):
        try:
            out.append({"result": module.compute_score(**call)})
        except Exception as e:  # the test checks which failures raise
            out.append({"raised": type(e).__name__, "message": str(e)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
