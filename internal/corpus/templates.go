package corpus

import "encoding/binary"

// ggufOf writes a GGUF v3 file with string metadata and no tensors.
func ggufOf(kv ...[2]string) []byte {
	out := []byte("GGUF")
	out = binary.LittleEndian.AppendUint32(out, 3)
	out = binary.LittleEndian.AppendUint64(out, 0)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(kv)))
	for _, p := range kv {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p[0])))
		out = append(out, p[0]...)
		out = binary.LittleEndian.AppendUint32(out, 8) // string
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p[1])))
		out = append(out, p[1]...)
	}
	for len(out)%32 != 0 {
		out = append(out, 0)
	}
	return out
}

func ggufWithTemplate(tpl string) []byte {
	return ggufOf([2]string{"general.architecture", "llama"}, [2]string{"general.name", "corpus"},
		[2]string{"tokenizer.ggml.model", "llama"}, [2]string{"tokenizer.chat_template", tpl})
}

func tokenizerConfig(tpl string) []byte {
	return mustJSON(obj{"bos_token": "<s>", "eos_token": "</s>", "model_max_length": 4096,
		"tokenizer_class": "LlamaTokenizer", "chat_template": tpl})
}

// cve34359 is the CVE-2024-34359 payload shape.
const cve34359 = `{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system('echo hi') }}{% endif %}{% endfor %}`

// Benign templates as real models ship them.
const (
	chatMLTemplate  = `{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`
	mistralTemplate = `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}`
	llama3Template  = `{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}`
)

func templateSamples() []Sample {
	obf := []struct{ file, technique, tpl string }{
		{"attr_chain", "|attr('__class__') filter chain", `{{ ((''|attr('__class__')|attr('__base__')|attr('__subclasses__'))()) }}`},
		{"hex_escapes", `\x5f\x5f hex-escaped dunder names`, `{{ ''['\x5f\x5fclass\x5f\x5f']['\x5f\x5fbase\x5f\x5f']['\x5f\x5fsubclasses\x5f\x5f']() }}`},
		{"getattr", "getattr-style indirect attribute access", `{% set g = self._TemplateReference__context %}{{ g.cycler.__init__.__globals__.os.popen('echo hi').read() }}`},
		{"concat", "dunder names assembled by ~ concatenation", `{% set a = '__cla' ~ 'ss__' %}{% set b = '__ba' ~ 'se__' %}{% set c = '__subcla' ~ 'sses__' %}{{ ''[a][b][c]() }}`},
		{"format", "dunder names assembled by % formatting", `{% set a = '%s%s' % ('__glo', 'bals__') %}{{ lipsum[a]['os'].popen('echo hi').read() }}`},
		{"request_globals", "request['application']['__globals__'] subscript access", `{{ request['application']['__globals__']['__builtins__']['__import__']('os').popen('echo hi').read() }}`},
		{"lipsum_globals", "lipsum.__globals__ to reach os", `{{ lipsum.__globals__['os'].popen('echo hi').read() }}`},
		{"cycler_globals", "cycler.__init__.__globals__ to reach os", `{{ cycler.__init__.__globals__.os.popen('echo hi').read() }}`},
		{"set_loop", "{% set %} inside a loop builds the attribute name", `{% set ns = namespace(n='') %}{% for p in ['__cl', 'ass__'] %}{% set ns.n = ns.n ~ p %}{% endfor %}{{ ''|attr(ns.n) }}`},
	}
	out := []Sample{
		mal("template/cve_2024_34359.gguf", "5.5", "GGUF tokenizer.chat_template sandbox escape via __subclasses__ / catch_warnings", "CVE-2024-34359",
			ggufWithTemplate(cve34359), "TPL001"),
		mal("template/cve_2024_34359_tokenizer/tokenizer_config.json", "5.5", "the CVE-2024-34359 payload in tokenizer_config.json chat_template", "CVE-2024-34359",
			tokenizerConfig(cve34359), "TPL001"),
		mal("template/lipsum_globals.gguf", "5.5", "GGUF chat_template reaching os through lipsum.__globals__", "ModelAudit tests/assets/samples/jinja2",
			ggufWithTemplate(`{{ lipsum.__globals__['os'].popen('echo hi').read() }}`), "TPL001", "TPL002"),
	}
	for _, o := range obf {
		out = append(out, mal("template/"+o.file+"/tokenizer_config.json", "5.5", "chat_template obfuscation: "+o.technique,
			"ModelAudit tests/assets/samples/jinja2/obfuscated", tokenizerConfig(o.tpl), "TPL001", "TPL002"))
	}
	return out
}
