package pickle

import (
	"strings"
	"testing"
)

// longP0 is a protocol-0 list whose first KiBs import nothing: the
// import comes after any head a sniffer reads.
func longP0() string {
	return "(lp0\n" + strings.Repeat("I1\na", 3000) + "0cos\nsystem\n(S'echo hi'\ntR."
}

// D1: a protocol-0/1 (or PROTO-less) pickle whose head imports nothing
// is still recognised when the head parses as a pickle prefix.
func TestProbeLongBenignPrefix(t *testing.T) {
	heads := map[string]string{
		"p0 list of ints": longP0(),
		"p0 dict":         "(dp0\n" + strings.Repeat("S'key'\np1\nF1.5\ns", 400),
		"p1 list":         "]q\x00(" + strings.Repeat("K\x01X\x03\x00\x00\x00abcq\x01", 500),
		"p0 tuples":       "(lp0\n" + strings.Repeat("(I1\nI2\ntp1\na", 500),
		"p1 floats":       "]q\x00(" + strings.Repeat("G?\xf8\x00\x00\x00\x00\x00\x00", 1000),
	}
	for name, s := range heads {
		if len(s) <= 4096 {
			t.Fatalf("%s: %d bytes, want more than a head", name, len(s))
		}
		if !Probe([]byte(s[:4096]), false) {
			t.Errorf("%s: head not recognised", name)
		}
	}
	// The whole stream runs: the import past the head is found.
	rep := analyze(t, []byte(longP0()), Options{})
	if _, ok := calls(rep)["os.system"]; !ok || rep.Streams[0].Err != nil {
		t.Errorf("long p0: calls %v err %v", calls(rep), rep.Streams[0].Err)
	}
}

// Realistic text never probes as a pickle, whole or as a 4 KiB head.
func TestProbeRejectsText(t *testing.T) {
	texts := map[string]string{
		"readme":       "# Model card\n\nThis model was trained on the ImageNet dataset for 90 epochs.\n\n## Usage\n\n```python\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained('x')\n```\n",
		"json":         `{"architectures": ["BertModel"], "hidden_size": 128, "layers": [1, 2, 3], "vocab": {"a": 1, "b": 2}}` + "\n",
		"yaml":         "model:\n  name: bert\n  layers: 2\n  dropout: 0.1\ncallbacks:\n  - early_stopping\n  - checkpoint\n",
		"python":       "import os\nimport torch\n\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n        return x * 2\n",
		"vocab":        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nof\nand\nin\nto\na\n##s\n",
		"requirements": "torch==2.1.0\nnumpy>=1.24\ntransformers[torch]~=4.35\n-e .\n",
		"csv":          "id,label,score\n1,cat,0.93\n2,dog,0.87\n3,fish,0.12\n",
		"numbers":      "1\n2\n3\n4\n5\n6\n7\n8\n",
		"markdown":     "| model | acc | f1 |\n|-------|-----|----|\n| bert  | 0.9 | 0.8 |\n| gpt   | 0.7 | 0.6 |\n",
		"go":           "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
		"c":            "#include <stdio.h>\n\nint main(void) {\n    printf(\"hi\\n\");\n    return 0;\n}\n",
		"rust":         "use std::io;\n\nfn main() {\n    println!(\"hi\");\n}\n",
		"js":           "const x = require('x');\nfunction f(a) { return a + 1; }\nmodule.exports = f;\n",
		"shell":        "#!/bin/sh\nset -e\npip install -r requirements.txt\n",
		"lisp":         "(define (square x) (* x x))\n(display (square 3))\n",
		"log":          "2024-01-01 12:00:00 INFO loading model\n2024-01-01 12:00:01 WARN slow disk\nI0101 12:00:02.123 trainer.py:10] step 1 loss 0.5\n",
		"tsv":          "N\t1\nN\t2\n",
		"note":         "N. B. this is a note\n",
		"parens":       strings.Repeat("()", 100) + "\n",
		"nones":        strings.Repeat("N", 200),
		"tuples":       strings.Repeat("(t", 200),
		"license":      "Licensed under the Apache License, Version 2.0 (the \"License\");\n",
		"int":          "I1\n",
		"shell cd":     "cd\nls\n(cd build && make)\n",
		"config lines": "config\nname\nN\nN\n",
		"class line":   "class Foo\nbar\n(S'x'\n",
		"binary 0x80":  "\x80\x07\xff\xfe\xfd\x00\x01",
	}
	for name, s := range texts {
		if Probe([]byte(s), true) {
			t.Errorf("%s: whole text mistaken for a pickle", name)
		}
		long := strings.Repeat(s, 4096/len(s)+2)
		if Probe([]byte(long[:4096]), false) {
			t.Errorf("%s: 4 KiB head mistaken for a pickle", name)
		}
	}
}
