package scan

import (
	"path"
	"strings"
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

var introspectionDeny = DenyEntry{Severity: SeverityCritical, Why: "reaches interpreter internals through introspection attributes"}

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
