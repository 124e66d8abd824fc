package scan

import (
	"fmt"
	"path"
	"strings"

	"github.com/mlsec/mlsec/pickle"
)

// globalClass is how the pickle rules classify an imported global.
type globalClass int

const (
	globalUnknown globalClass = iota
	globalAllowed
	globalDenied       // the path reaches a denied callable
	globalDeniedModule // the path names a denied module object itself (pathlib.os)
)

// globalVerdict explains a classification.
type globalVerdict struct {
	class globalClass
	deny  *DenyEntry
	via   string // the denied "module.name" the path reaches, when it differs
}

// introspection attributes reach interpreter internals from any object
// (builtins print.__class__.__base__.__subclasses__, numpy __builtins__).
var introspection = map[string]bool{
	"__builtins__": true, "__globals__": true, "__subclasses__": true, "__class__": true,
	"__base__": true, "__bases__": true, "__mro__": true, "__dict__": true, "__code__": true,
	"__getattribute__": true, "__import__": true, "__loader__": true, "__spec__": true,
	"__self__": true, "__func__": true, "__closure__": true, "__init_subclass__": true,
	"__reduce__": true, "__reduce_ex__": true, "__getattr__": true, "__setattr__": true,
	"__delattr__": true, "__module__": true,
}

// reexported are the modules attackers reach as attributes of innocent
// modules (pathlib.os, numpy.sys).
var reexported = map[string]bool{"os": true, "sys": true, "subprocess": true, "builtins": true,
	"posix": true, "nt": true, "importlib": true, "ctypes": true, "socket": true, "shutil": true,
	"pickle": true, "marshal": true, "runpy": true, "pty": true, "__builtins__": true}

var (
	introspectionDeny = DenyEntry{Severity: SeverityCritical, Why: "reaches interpreter internals through introspection attributes"}
	mainModuleDeny    = DenyEntry{Severity: SeverityCritical, Why: "a package's __main__ module runs its command line when imported"}
)

// classifyGlobal classifies module.name. The denylist is consulted first
// (it also decides severity), over every module a dotted path passes
// through; then the allowlist; anything else is unknown.
func classifyGlobal(pr *PickleRules, module, name string) globalVerdict {
	names := strings.Split(name, ".")
	for _, n := range names[1:] {
		if introspection[n] {
			return globalVerdict{class: globalDenied, deny: &introspectionDeny, via: module + "." + name}
		}
	}
	if introspection[names[0]] {
		return globalVerdict{class: globalDenied, deny: &introspectionDeny, via: module + "." + name}
	}
	if i := strings.Index(module, ".__main__"); i > 0 && (len(module) == i+9 || module[i+9] == '.') {
		// pkg.__main__ is a command-line entry point: many run unguarded
		// code when imported (ensurepip, venv, unittest). __main__ alone
		// is the loading script, where users' own classes live.
		return globalVerdict{class: globalDenied, deny: &mainModuleDeny, via: module}
	}
	// Every deny entry the path reaches is a candidate; the most severe
	// explains it, so tempfile._os.system is judged as os.system.
	var best *globalVerdict
	consider := func(v globalVerdict) {
		if best == nil || v.deny.Severity > best.deny.Severity {
			best = &v
		}
	}
	if d := denied(pr, module, name); d != nil {
		if len(d.Names) == 0 && exactlyAllowed(pr, module, name) {
			// A name listed exactly carves an exception out of a
			// module-wide deny (torch.jit._pickle.build_intlist).
			return globalVerdict{class: globalAllowed}
		}
		consider(globalVerdict{class: globalDenied, deny: d})
	}
	if d := denied(pr, module, names[0]); d != nil {
		consider(globalVerdict{class: globalDenied, deny: d, via: module + "." + names[0]})
	}
	// An attribute path through another module (pathlib + os.system):
	// judge every module.attr pair the path passes through.
	for s := 0; s < len(names); s++ {
		for k := s + 1; k < len(names); k++ {
			mod := strings.Join(names[s:k], ".")
			if d := denied(pr, mod, names[k]); d != nil {
				consider(globalVerdict{class: globalDenied, deny: d, via: mod + "." + names[k]})
			}
			if mod[0] == '_' {
				// tempfile._os: a private alias of a module.
				if d := denied(pr, mod[1:], names[k]); d != nil {
					consider(globalVerdict{class: globalDenied, deny: d, via: mod[1:] + "." + names[k]})
				}
			}
		}
		rest := strings.Join(names[s:], ".")
		if s == 0 && !reexported[rest] {
			continue // a global of its own module, not a module re-export
		}
		if d := deniedModule(pr, rest); d != nil {
			consider(globalVerdict{class: globalDeniedModule, deny: d, via: rest})
		}
	}
	if best != nil {
		return *best
	}
	if allowed(pr, module, name) {
		return globalVerdict{class: globalAllowed}
	}
	return globalVerdict{class: globalUnknown}
}

// denied returns the most specific deny entry covering module.name; an
// entry covers its module's submodules too.
func denied(pr *PickleRules, module, name string) *DenyEntry {
	for i := range pr.Deny {
		d := &pr.Deny[i]
		if module != d.Module && !strings.HasPrefix(module, d.Module+".") {
			continue
		}
		if len(d.Names) == 0 {
			return d
		}
		for _, n := range d.Names {
			if n == "*" || n == name || strings.HasPrefix(name, n+".") {
				return d
			}
		}
	}
	return nil
}

// deniedModule returns the entry denying a whole module, for references to
// the module object itself.
func deniedModule(pr *PickleRules, module string) *DenyEntry {
	for i := range pr.Deny {
		d := &pr.Deny[i]
		wild := len(d.Names) == 0 || (len(d.Names) == 1 && d.Names[0] == "*")
		if wild && (module == d.Module || strings.HasPrefix(module, d.Module+".")) {
			return d
		}
	}
	return nil
}

// allowed matches the allowlist: a module key covers that module, or with
// a ".*" suffix the module and its submodules; names are exact or shell
// patterns ("*", "[A-Z]*", "_rebuild_*").
func allowed(pr *PickleRules, module, name string) bool {
	check := func(names []string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
			if ok, _ := path.Match(n, name); ok && strings.ContainsAny(n, "*?[") {
				return true
			}
		}
		return false
	}
	if check(pr.Allow[module]) {
		return true
	}
	for m := module; ; {
		if check(pr.Allow[m+".*"]) {
			return true
		}
		i := strings.LastIndexByte(m, '.')
		if i < 0 {
			return false
		}
		m = m[:i]
	}
}

// exactlyAllowed reports whether module lists name itself (no pattern).
func exactlyAllowed(pr *PickleRules, module, name string) bool {
	for _, n := range pr.Allow[module] {
		if n == name {
			return true
		}
	}
	return false
}

// isNestedLoader reports whether module.name deserialises its argument.
func isNestedLoader(pr *PickleRules, callable string) bool {
	for _, n := range pr.NestedLoaders {
		if n == callable {
			return true
		}
	}
	return false
}

// A globalUse is what a stream does with one global, from the most to the
// least dangerous: call it with arguments the stream chose (REDUCE, INST,
// OBJ, or through a helper such as copyreg._reconstructor's base), create
// it with cls.__new__(cls, *args) (NEWOBJ with arguments) or bind it to
// arguments for a later call (functools.partial), rebuild it
// without running __init__ (NEWOBJ with no arguments,
// copyreg._reconstructor, Cython's __pyx_unpickle_*; then __setstate__),
// or only import it.
type globalUse struct {
	call, newArgs, rebuild *pickle.Call
}

// first is the most dangerous use, or nil for an import.
func (u *globalUse) first() *pickle.Call {
	switch {
	case u == nil:
		return nil
	case u.call != nil:
		return u.call
	case u.newArgs != nil:
		return u.newArgs
	}
	return u.rebuild
}

// usesOf sorts a stream's calls by global and use.
func usesOf(st *pickle.Stream) map[*pickle.Global]*globalUse {
	out := map[*pickle.Global]*globalUse{}
	for _, c := range st.Calls {
		if c.Callable == nil {
			continue
		}
		u := out[c.Callable]
		if u == nil {
			u = &globalUse{}
			out[c.Callable] = u
		}
		slot := &u.call
		switch {
		case c.Rebuilds(), strings.HasPrefix(c.Callable.Name, "__pyx_unpickle_"):
			// Cython's generated __pyx_unpickle_Cls(type, checksum, state)
			// checks the checksum and does type.__new__(type), then
			// __setstate__: a rebuild (the VM records the type's too).
			slot = &u.rebuild
		case c.Kind == pickle.CallNewObj || c.Kind == pickle.CallNewObjEx || c.Kind == pickle.CallDeferred:
			slot = &u.newArgs
		}
		if *slot == nil {
			*slot = c
		}
	}
	return out
}

// rebuildable reports whether module belongs to a library on the rebuild
// list: its classes may be rebuilt and its names referenced.
func rebuildable(pr *PickleRules, module string) bool {
	for _, p := range pr.Rebuild {
		if module == p || strings.HasPrefix(module, p+".") {
			return true
		}
	}
	return false
}

// judgeImport grades one global by what the stream does with it (see
// docs/rules.md#how-pickle-findings-are-graded). ok is false when the use
// is allowed.
func judgeImport(pr *PickleRules, g *pickle.Global, u *globalUse) (Finding, bool) {
	name := g.String()
	v := classifyGlobal(pr, g.Module, g.Name)
	f := Finding{Callable: name, Offset: g.Offset}
	c := u.first()
	verb := "imports"
	if c != nil {
		f.Offset = c.Offset
		if a, ok := c.Argument(); ok {
			f.Argument = argument(a)
		}
		switch {
		case c == u.rebuild:
			verb = "rebuilds"
		case c.Kind == pickle.CallDeferred:
			verb = "binds in a functools.partial, for a later call,"
		default:
			verb = "calls"
		}
	}
	why := ""
	if v.deny != nil {
		why = v.deny.Why
		if v.via != "" && v.via != name {
			why = "reaches " + v.via + ": " + why
		}
	}
	lib := v.class == globalAllowed || rebuildable(pr, g.Module)
	switch {
	case u != nil && u.call != nil && isNestedLoader(pr, name):
		f.RuleID, f.Severity = "PKL005", SeverityCritical
		f.Message = fmt.Sprintf("pickle calls %s on embedded data (a nested pickle, analysed separately)", name)
	case v.class == globalDenied && c != nil:
		f.RuleID, f.Severity = "PKL001", v.deny.Severity
		f.Message = fmt.Sprintf("pickle %s %s (%s)%s", verb, name, why, argSuffix(f.Argument))
	case v.class == globalDenied:
		f.RuleID, f.Severity = "PKL002", v.deny.Severity
		f.Message = fmt.Sprintf("pickle imports %s without a visible call (%s)", name, why)
	case v.class == globalDeniedModule:
		f.RuleID, f.Severity = "PKL012", max(v.deny.Severity, SeverityHigh)
		f.Message = fmt.Sprintf("pickle %s %s, the module %s reached through another module (%s)", verb, name, v.via, why)
	case u != nil && u.call != nil:
		if v.class == globalAllowed {
			return f, false
		}
		f.RuleID = "PKL004"
		f.Message = fmt.Sprintf("pickle calls %s with arguments it chose (%s), and %s is not on the allowlist of callables (pickle.allow)%s", name, u.call.Kind, name, argSuffix(f.Argument))
	case u != nil && u.newArgs != nil:
		if lib {
			return f, false
		}
		f.RuleID = "PKL004"
		how := fmt.Sprintf("creates %s with %s.__new__ and arguments it chose (%s)", name, name, u.newArgs.Kind)
		if u.newArgs.Kind == pickle.CallDeferred {
			how = fmt.Sprintf("binds %s to arguments it chose in a functools.partial, for code to call later", name)
		}
		f.Message = fmt.Sprintf("pickle %s; %s is neither allowlisted nor from a library on the rebuild list%s", how, name, argSuffix(f.Argument))
	case c != nil:
		if lib {
			return f, false
		}
		f.RuleID = "PKL013"
		f.Message = fmt.Sprintf("pickle rebuilds an instance of %s without calling it (%s.__new__, then __setstate__ with the stored state); %s is not from a library on the rebuild list (pickle.rebuild)", name, name, name)
	default:
		if lib {
			return f, false
		}
		f.RuleID = "PKL003"
		f.Message = fmt.Sprintf("pickle imports %s without calling it; %s is neither allowlisted nor from a library on the rebuild list", name, name)
	}
	return f, true
}
