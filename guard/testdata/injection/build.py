#!/usr/bin/python3
"""Assemble the labelled prompt set guard's injection scanner is measured on.

Reads data files (never code) from snapshots of public GitHub repositories
fetched with mlsec's search tools (MIRROR, one folder per owner+name, each a
bare git directory), at the commits pinned below, and writes prompts.jsonl.gz:
one JSON object per line, {"id", "source", "label", "category", "split",
"text"}. label is "attack" (prompt injection, jailbreak, system-prompt
extraction) or "benign". split is "dev" (the rules were tuned looking at these)
or "heldout" (never looked at while tuning), chosen by the SHA-256 of the
normalised text, so a prompt keeps its split when sources are added.
Duplicates (same normalised text) are kept once, attack label first.

Run: /usr/bin/python3 guard/testdata/injection/build.py [MIRROR]
(default MIRROR /work/.mirror). SOURCES.md names every source and licence.
"""
import csv
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys

MIRROR = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"

# repository -> pinned commit
COMMITS = {
    "NVIDIA+garak": "cafbe992780df70015de7295ca026b70c4629ada",
    "whylabs+langkit": "5d6cab1e2ff32181ba5c514aaa2a4473421dc413",
    "sherdencooper+GPTFuzz": "1eddeb565740ae311b5f4950492b011a6f866fe7",
    "f+awesome-chatgpt-prompts": "049f1c9b1bfd45d73e99dc0dc5ac1a5a19a4e151",
    "lm-sys+FastChat": "0e6d3e4beaab66f4d3f93db72541a4abab8af28d",
    "openai+grade-school-math": "3101c7d5072418e28b9008a6636bde82a006892c",
    "yizhongw+self-instruct": "0b26ccaa415992100fa32df62d41b994cf928e23",
}

# awesome-chatgpt-prompts rows that are jailbreaks, not benign role prompts
# (decided by reading them; labelled attack).
AWESOME_ATTACKS = {"Unconstrained AI model DAN"}


def show(repo, path):
    d = os.path.join(MIRROR, repo, "repo")
    return subprocess.run(["git", "-C", d, "show", COMMITS[repo] + ":" + path],
                          check=True, capture_output=True).stdout.decode("utf-8")


def norm(t):
    return " ".join(t.split()).lower()


rows = []


def add(source, label, category, text):
    text = text.strip()
    if not text:
        return
    # garak templates name the target model with a placeholder.
    text = text.replace("{generator.name}", "ChatGPT")
    rows.append({"source": source, "label": label, "category": category, "text": text})


# ---- attacks ----
for t in json.loads(show("NVIDIA+garak", "garak/data/inthewild_jailbreak_llms.json")):
    add("garak/inthewild_jailbreak_llms", "attack", "jailbreak", t)
for name in ["AntiDAN", "ChatGPT_Developer_Mode_RANTI", "ChatGPT_Developer_Mode_v2", "ChatGPT_Image_Markdown",
             "DAN_Jailbreak", "DUDE", "Dan_10_0", "Dan_11_0", "Dan_6_0", "Dan_6_2", "Dan_7_0", "Dan_8_0",
             "Dan_9_0", "STAN"]:
    for t in json.loads(show("NVIDIA+garak", "garak/data/dan/%s.json" % name)):
        add("garak/dan", "attack", "jailbreak", t)
for t in json.loads(show("NVIDIA+garak", "garak/data/autodan/autodan_prompts.json")):
    add("garak/autodan", "attack", "jailbreak", t)
for group, ts in json.loads(show("NVIDIA+garak", "garak/data/sysprompt_extraction/attacks.json")).items():
    for t in ts:
        add("garak/sysprompt_extraction", "attack", "system_prompt_extraction", t)
for t in json.loads(show("whylabs+langkit", "langkit/themes.json"))["jailbreak"]:
    add("langkit/themes", "attack", "injection", t)
for r in csv.DictReader(io.StringIO(show("sherdencooper+GPTFuzz", "datasets/prompts/GPTFuzzer.csv"))):
    # the templates hold the question as "[INSERT PROMPT HERE]"
    add("GPTFuzz/GPTFuzzer", "attack", "jailbreak", r["text"])

# ---- benign ----
for r in csv.DictReader(io.StringIO(show("f+awesome-chatgpt-prompts", "prompts.csv"))):
    label = "attack" if r["act"] in AWESOME_ATTACKS else "benign"
    add("awesome-chatgpt-prompts", label, "role_prompt" if label == "benign" else "jailbreak", r["prompt"])
for path in ["fastchat/llm_judge/data/mt_bench/question.jsonl", "fastchat/llm_judge/data/vicuna_bench/question.jsonl"]:
    for line in show("lm-sys+FastChat", path).splitlines():
        q = json.loads(line)
        for turn in q["turns"]:
            add("FastChat/" + path.split("/")[-2], "benign", "question", turn)
for line in show("yizhongw+self-instruct", "data/seed_tasks.jsonl").splitlines():
    task = json.loads(line)
    inst = task["instruction"]
    inp = task["instances"][0]["input"]
    add("self-instruct/seed_tasks", "benign", "task", inst + ("\n\n" + inp if inp else ""))
for line in show("openai+grade-school-math", "grade_school_math/data/test.jsonl").splitlines()[:300]:
    add("grade-school-math/test", "benign", "question", json.loads(line)["question"])
for t in json.loads(show("NVIDIA+garak", "garak/data/payloads/normal_instructions.json"))["payloads"]:
    add("garak/normal_instructions", "benign", "question", t)
for name in ["discrimination_exclusion_toxicity_hateful_offensive", "human_chatbox", "information_hazard",
             "malicious_uses", "misinformation_harms"]:
    for line in show("NVIDIA+garak", "garak/data/donotanswer/%s.jsonl" % name).splitlines():
        # harmful requests without any injection: the injection scanner must
        # not flag them (they are the refusal checks' business)
        add("garak/donotanswer", "benign", "harmful_request", json.loads(line)["prompt"])

seen = set()
out = []
for r in sorted(rows, key=lambda r: r["label"] != "attack"):
    k = norm(r["text"])
    if k in seen:
        continue
    seen.add(k)
    h = hashlib.sha256(k.encode("utf-8")).hexdigest()
    r["split"] = "dev" if int(h[:2], 16) % 2 == 0 else "heldout"
    r["id"] = h[:12]
    out.append(r)
out.sort(key=lambda r: (r["label"], r["source"], r["id"]))
dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts.jsonl.gz")
with gzip.GzipFile(dst, "wb", mtime=0) as f:
    for r in out:
        f.write((json.dumps({k: r[k] for k in ["id", "source", "label", "category", "split", "text"]},
                            ensure_ascii=False) + "\n").encode("utf-8"))
counts = {}
for r in out:
    key = (r["label"], r["source"], r["split"])
    counts[key] = counts.get(key, 0) + 1
for k in sorted(counts):
    print("%-7s %-40s %-8s %5d" % (k + (counts[k],)))
print("total", len(out), "bytes", os.path.getsize(dst))
