#!/usr/bin/env python3
"""Apply each TIMED OUT mutant of a gremlins JSON report by hand and run the
package's tests with a long timeout: a timeout under load is not a kill
until the tests are seen to fail on the mutant.

usage: verify_timeouts.py REPORT.json TREE PKGDIR [go test args...]

TREE is a checkout of the commit the report was made from (the mutant is
written into TREE/PKGDIR/FILE and the line restored after each run, so use
a scratch checkout, not one you are editing). Each line printed is KILLED
(some test failed: named), LIVED (all passed) or ERROR (the mutant did not
build), with the line before and after. Example (docs/mutation.md):

  python3 scripts/mutation/verify_timeouts.py bin/mutation/registry-a.json . registry -skip TestCrashSafety
"""
import json, subprocess, sys, os, re

report, tree, pkgdir = sys.argv[1:4]
extra = sys.argv[4:]
d = json.load(open(report))
swap_neg = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
swap_bound = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
swap_arith = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}

def mutate(line, col, typ):
    i = col - 1
    two = line[i:i+2]
    one = line[i:i+1]
    if typ == "INVERT_LOGICAL":
        rep = {"&&": "||", "||": "&&"}[two]; return line[:i] + rep + line[i+2:]
    if typ in ("CONDITIONALS_NEGATION", "CONDITIONALS_BOUNDARY"):
        table = swap_neg if typ == "CONDITIONALS_NEGATION" else swap_bound
        op = two if two in table else one
        return line[:i] + table[op] + line[i+len(op):]
    if typ == "ARITHMETIC_BASE":
        return line[:i] + swap_arith[one] + line[i+1:]
    if typ == "INVERT_NEGATIVES":
        assert one == "-", line; return line[:i] + "+" + line[i+1:]
    if typ == "INCREMENT_DECREMENT":
        rep = {"++": "--", "--": "++"}[two]; return line[:i] + rep + line[i+2:]
    raise SystemExit("unknown mutator " + typ)

results = []
for f in d["files"]:
    for m in f["mutations"]:
        if m["status"] != "TIMED OUT":
            continue
        path = os.path.join(tree, pkgdir, f["file_name"])
        src = open(path).read().split("\n")
        orig = src[m["line"] - 1]
        src[m["line"] - 1] = mutate(orig, m["column"], m["type"])
        open(path, "w").write("\n".join(src))
        try:
            p = subprocess.run(["go", "test", "-count=1", "-failfast", "-timeout", "600s", *extra, "./" + pkgdir],
                               cwd=tree, capture_output=True, text=True)
            out = p.stdout + p.stderr
            fails = re.findall(r"^--- FAIL: (\S+)", out, re.M)
            verdict = "KILLED" if p.returncode != 0 else "LIVED"
            if p.returncode != 0 and not fails and "panic" not in out and "timed out" not in out:
                verdict = "ERROR"  # e.g. does not compile
            print(f"{verdict:6} {m['type']} {f['file_name']}:{m['line']}:{m['column']}  {orig.strip()[:70]!r} -> {src[m['line']-1].strip()[:70]!r}  failing: {' '.join(fails[:4]) or ('panic' if 'panic' in out else '')}", flush=True)
        finally:
            src[m["line"] - 1] = orig
            open(path, "w").write("\n".join(src))
