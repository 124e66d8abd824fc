package corpus

import (
	pa "github.com/mlsec/mlsec/internal/pickleasm"
)

// vmSamples are the pickle-VM parsing differentials of survey §5.2.
func vmSamples() []Sample {
	var out []Sample
	add := func(file, technique, ref string, data []byte, rules ...string) {
		out = append(out, mal("vm/"+file, "5.2", technique, ref, data, rules...))
	}
	payloadTail := func(a *pa.Asm) *pa.Asm { return a.Unicode("echo hi").Tuple1().Reduce() }

	// STACK_GLOBAL operands from BINSTRING / SHORT_BINSTRING.
	add("stack_global_binstring.pkl", "STACK_GLOBAL fed by BINSTRING operands", "GHSA-9gvj-pp9x-gcfr",
		pa.New(-1).BinString("os").BinString("system").StackGlobalOp().BinString("echo hi").Tuple1().Reduce().Stop().Bytes(), "PKL001")
	add("stack_global_short_binstring.pkl", "STACK_GLOBAL fed by SHORT_BINSTRING operands", "GHSA-9gvj-pp9x-gcfr",
		pa.New(2).ShortBinString("os").ShortBinString("system").StackGlobalOp().ShortBinString("echo hi").Tuple1().Reduce().Stop().Bytes(), "PKL001")

	// Memo keyed by PUT index, not insertion order (ImaginaryCTF "Safe Pickle").
	memo := pa.New(4).
		Unicode("os").BinPut(2).Pop().
		Unicode("system").BinPut(3).Pop().
		Unicode("torch").BinPut(0).Pop().
		Unicode("LongStorage").BinPut(1).Pop().
		BinGet(2).BinGet(3).StackGlobalOp()
	add("memo_index.pkl", "memo indices out of insertion order: GET 2 GET 3 resolves to os.system, not torch.LongStorage",
		"picklescan ad6efbf, #22 (ImaginaryCTF Safe Pickle)", payloadTail(memo).Stop().Bytes(), "PKL001")

	// Payload, then a memo miss that crashes a naive scanner.
	keyErr := pa.New(4)
	call(keyErr, "os", "system", "echo hi").Pop().Unicode("os").BinGet(99).StackGlobalOp().Stop()
	add("memo_keyerror.pkl", "payload then GET of a never-stored memo index (scanner KeyError)", "picklescan d3273f4 keyerror-exploit.pkl",
		keyErr.Bytes(), "PKL001", "PKL008")

	// An int stored in the memo used as a STACK_GLOBAL operand.
	conf := pa.New(4)
	call(conf, "os", "system", "echo hi").Pop().Int(7).BinPut(0).Pop().BinGet(0).Unicode("system").StackGlobalOp().Stop()
	add("memo_type_confusion.pkl", "payload then an int from the memo used as STACK_GLOBAL module", "picklescan d3273f4 type-confusion-exploit.pkl",
		conf.Bytes(), "PKL001", "PKL008")

	// modelscan #85: BUILD plants strings as attributes of an allowed
	// global; dotted GLOBALs read them back as STACK_GLOBAL operands.
	m85 := pa.New(4).
		Global("numpy", "prod").None().EmptyDict().Unicode("a").Unicode("os").SetItem().Unicode("b").Unicode("system").SetItem().Tuple2().Build().Pop().
		Global("numpy", "prod.a").BinPut(0).Pop().
		Global("numpy", "prod.b").BinPut(1).Pop().
		BinGet(0).BinGet(1).StackGlobalOp()
	add("build_setattr_85.pkl", "BUILD-planted attributes read back through dotted GLOBALs and the memo", "modelscan #85",
		payloadTail(m85).Stop().Bytes(), "PKL001", "PKL008", "PKL012", "PKL004", "PKL002")

	// modelscan #331: module and attribute names assembled at run time.
	join := func(parts ...string) func(*pa.Asm) {
		return func(a *pa.Asm) { call(a, "builtins", "str.join", "", parts) }
	}
	m331 := pa.New(4)
	m331.StackGlobal("builtins", "getattr").Mark()
	call(m331, "importlib", "import_module", join("o", "s"))
	join("sys", "tem")(m331)
	m331.Tuple().Reduce()
	add("runtime_names_331.pkl", "names assembled at run time with str.join, resolved via import_module + getattr", "modelscan #331",
		payloadTail(m331).Stop().Bytes(), resolverRules...)

	// Dotted attribute paths.
	add("dotted_eval_call.pkl", "GLOBAL builtins eval.__call__", "fickling GHSA-5j3x-jp52-966f; modelscan eval.__call__ test",
		pa.New(4).Global("builtins", "eval.__call__").Unicode("print('hi')").Tuple1().Reduce().Stop().Bytes(), "PKL001", "PKL012")
	add("dotted_subclasses.pkl", "introspection chain builtins print.__class__.__base__.__subclasses__", "modelscan #338 §10",
		pa.New(4).StackGlobal("builtins", "print.__class__.__base__.__subclasses__").EmptyTuple().Reduce().Stop().Bytes(),
		"PKL001", "PKL002", "PKL004", "PKL012")

	// Universal resolvers.
	pydoc := pa.New(4)
	call(pydoc, "pydoc", "locate", "os.system")
	add("resolver_pydoc_locate.pkl", "pydoc.locate('os.system') then call", "GHSA-84r2", payloadTail(pydoc).Stop().Bytes(), resolverRules...)
	attrg := pa.New(4)
	call(attrg, "operator", "attrgetter", "system")
	attrg.Mark()
	call(attrg, "builtins", "__import__", "os")
	attrg.Tuple().Reduce()
	add("resolver_operator_attrgetter.pkl", "operator.attrgetter('system')(__import__('os'))", "GHSA-955r; picklescan malicious12",
		payloadTail(attrg).Stop().Bytes(), resolverRules...)
	mc := pa.New(4)
	call(mc, "operator", "methodcaller", "system", "echo hi").Mark()
	call(mc, "builtins", "__import__", "os")
	mc.Tuple().Reduce()
	add("resolver_operator_methodcaller.pkl", "operator.methodcaller('system', 'echo hi')(__import__('os'))", "GHSA-84r2, GHSA-46h3",
		mc.Stop().Bytes(), resolverRules...)
	ig := pa.New(4)
	call(ig, "_operator", "itemgetter", "system").Mark()
	call(ig, "builtins", "vars", nested("builtins", "__import__", "os"))
	ig.Tuple().Reduce()
	add("resolver__operator_itemgetter.pkl", "_operator.itemgetter('system')(vars(__import__('os')))", "GHSA-955r",
		payloadTail(ig).Stop().Bytes(), resolverRules...)
	part := pa.New(4)
	call(part, "functools", "partial", nested("pkgutil", "resolve_name", "os:system"), "echo hi").EmptyTuple().Reduce()
	add("resolver_functools_partial.pkl", "functools.partial(os.system, 'echo hi')()", "picklescan malicious19",
		part.Stop().Bytes(), resolverRules...)
	imp := pa.New(4)
	call(imp, "builtins", "getattr", nested("builtins", "__import__", "os"), "system")
	add("resolver_import_getattr.pkl", "getattr(__import__('os'), 'system')", "fickling GHSA-h4rm",
		payloadTail(imp).Stop().Bytes(), resolverRules...)

	// A call whose result is popped (vanished from fickling's AST).
	objPop := pa.New(4).Mark().StackGlobal("smtplib", "SMTP").Unicode("127.0.0.1").Obj().Pop().None().Stop()
	add("obj_pop.pkl", "MARK smtplib.SMTP '127.0.0.1' OBJ POP: the call's result is discarded", "fickling GHSA-mxhj-88fx-4pcv",
		objPop.Bytes(), callRules...)

	// FRAME differentials: C _pickle treats frames as a prefetch hint,
	// pickle.py enforces them; an opcode that straddles a frame end or a
	// frame opened inside a frame reads differently.
	body := pa.New(4)
	call(body, "os", "system", "echo hi").Stop()
	ops := body.Bytes()[2:]
	cut := 5 // inside the 'posix' SHORT_BINUNICODE operand
	straddle := pa.New(4).Frame(uint64(cut)).Raw(ops[:cut]...).Raw(ops[cut:]...).Bytes()
	add("frame_straddle.pkl", "FRAME ends inside an opcode; C _pickle reads on past it", "CPython issue 154848; fickling 99464b5",
		straddle, "PKL001", "PKL009")
	inner := pa.New(4).Frame(uint64(len(ops))).Raw(ops...).Bytes()[2:]
	nestedFrame := pa.New(4).Frame(uint64(len(inner))).Raw(inner...).Bytes()
	add("frame_nested.pkl", "FRAME opened inside a FRAME", "fickling test_frame_boundary_*", nestedFrame, "PKL001", "PKL009")

	// Extension registry.
	add("ext1.pkl", "callable from the copyreg extension registry: EXT1", "ModelAudit #623",
		pa.New(2).Ext1(1).Unicode("echo hi").Tuple1().Reduce().Stop().Bytes(), "PKL006")
	add("ext2.pkl", "callable from the copyreg extension registry: EXT2", "ModelAudit #623",
		pa.New(2).Ext2(300).Unicode("echo hi").Tuple1().Reduce().Stop().Bytes(), "PKL006")
	add("ext4.pkl", "callable from the copyreg extension registry: EXT4", "ModelAudit #623",
		pa.New(2).Ext4(70000).Unicode("echo hi").Tuple1().Reduce().Stop().Bytes(), "PKL006")

	// Call forms other than REDUCE.
	add("inst_call.pkl", "protocol-0 INST os system (call without REDUCE)", "picklescan #21, malicious10",
		[]byte("(S'echo hi'\nios\nsystem\n."), "PKL001")
	add("obj_call.pkl", "OBJ call of os.system", "picklescan #21",
		[]byte("(cos\nsystem\nS'echo hi'\no."), "PKL001")
	add("newobj_call.pkl", "NEWOBJ of subprocess.Popen", "survey §5.2 call forms",
		pa.New(2).Global("subprocess", "Popen").Unicode("echo hi").Tuple1().NewObj().Stop().Bytes(), callRules...)
	add("newobj_ex_call.pkl", "NEWOBJ_EX of subprocess.Popen", "survey §5.2 call forms",
		pa.New(4).StackGlobal("subprocess", "Popen").Unicode("echo hi").Tuple1().EmptyDict().NewObjEx().Stop().Bytes(), callRules...)

	// Multiple streams.
	benign := pa.New(2).EmptyDict().Unicode("a").Int(1).SetItem().Stop().Bytes()
	add("multi_stream.pkl", "payload in the second pickle after a benign STOP", "ModelAudit multiple_stream_attack.pkl",
		append(append([]byte{}, benign...), MaliciousP4...), "PKL001")
	add("multi_stream_junk.pkl", "payload in a later pickle after junk separator bytes", "ModelAudit multiple_stream_attack.pkl (resync)",
		append(append(append([]byte{}, benign...), "\x00\x00JUNK\n"...), MaliciousP4...), "PKL001")

	// Payload past one million opcodes (ModelAudit stops there and exits 0).
	big := pa.New(4)
	for i := 0; i < 600_000; i++ {
		big.None().Pop()
	}
	call(big, "os", "system", "echo hi").Stop()
	add("payload_after_1m_ops.pkl", "payload after 1.2M padding opcodes", "ModelAudit max_opcodes 1M (exit 0)",
		big.Bytes(), "PKL001")

	// Nested pickles.
	add("nested_pickle_loads.pkl", "pickle.loads of embedded malicious bytes", "modelscan #267; picklescan malicious13",
		reduceP4("pickle", "loads", MaliciousP4), "PKL005", "PKL001")
	add("nested__pickle_loads.pkl", "_pickle.loads of embedded malicious bytes", "modelscan c319800",
		reduceP4("_pickle", "loads", MaliciousP2), "PKL005", "PKL001")
	add("nested_torch_load_from_bytes.pkl", "torch.storage._load_from_bytes of embedded malicious bytes", "fickling UnsafeImportsML",
		reduceP4("torch.storage", "_load_from_bytes", MaliciousP2), "PKL005", "PKL001")
	return out
}
