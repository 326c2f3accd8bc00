// Package layering states which of this module's packages may import which,
// and checks a list of imports against those rules. Its test runs Check over
// the imports `go list` reports for the whole module, so a wrong arrow fails
// the tests (and CI) the day it is added.
//
// The rules, for the imports of non-test code (tests may import what they
// need, such as a sink to load into):
//
// The packages stand in four layers. A package may import packages of its
// own layer or of a lower one, never of a higher one:
//
//	0 entry points  cmd/..., bench/gen, release/gendocs, internal/layering
//	1 commands      internal/cli
//	2 work          internal/analysis, load, queue, shard, config, report,
//	                coverage
//	3 parts         internal/archive, plan, sink, schema, record, rowcount,
//	                metric, problem, ui, sitegen
//
// And:
//
//   - internal/sink is the contract between the import and the databases. It
//     imports only internal/schema.
//   - A sink, internal/sink/NAME, imports only internal/sink, the SQL toolkit
//     internal/sink/sqlsink and internal/schema; sqlsink does the same.
//     Only the registry, internal/sink/all, imports a sink, and only
//     internal/cli imports the registry: the rest of the program knows no
//     database.
//   - internal/archive does not import internal/sink.
//   - Test helpers (internal/sink/sinktest, internal/testenv) are imported by
//     tests only.
//   - A package the rules do not place is an error: a new package is given
//     its layer here.
//
// Exceptions lists the wrong arrows that exist today and are being removed;
// Check allows them and reports which of them it no longer sees, so that
// the list only shrinks.
package layering

import (
	"fmt"
	"slices"
	"strings"
)

// Edge is one import: From imports To. Both are import paths relative to
// the module (internal/cli, cmd/siftload).
type Edge struct {
	From, To string
}

func (e Edge) String() string { return e.From + " -> " + e.To }

// Exceptions are known wrong arrows that Check allows until they are gone.
var Exceptions = []Edge{
	// None left: config→sink/all and cli→sink/sqlite went with issue 12,
	// item 5 (the factories own their URLs).
}

// kind is what rules beyond the layers a package is under.
type kind int

const (
	plain    kind = iota
	contract      // internal/sink
	toolkit       // internal/sink/sqlsink
	driver        // internal/sink/NAME
	registry      // internal/sink/all
	testOnly      // test helpers
)

// place is where the rules put a package.
type place struct {
	layer int
	kind  kind
}

// layers place the packages by path; see placeOf for the sinks.
var layers = map[string]int{
	"internal/layering": 0,
	"internal/cli":      1,
	"internal/analysis": 2,
	"internal/load":     2,
	"internal/queue":    2,
	"internal/shard":    2,
	"internal/config":   2,
	"internal/coverage": 2,
	"internal/report":   2,
	"internal/archive":  3,
	"internal/plan":     3,
	"internal/schema":   3,
	"internal/record":   3,
	"internal/rowcount": 3,
	"internal/metric":   3,
	"internal/problem":  3,
	"internal/ui":       3,
	"internal/sitegen":  3,
}

// placeOf returns where the rules put pkg, or ok=false.
func placeOf(pkg string) (p place, ok bool) {
	switch {
	case strings.HasPrefix(pkg, "cmd/") || pkg == "bench/gen" || pkg == "release/gendocs":
		return place{0, plain}, true
	case pkg == "internal/sink":
		return place{3, contract}, true
	case pkg == "internal/sink/sqlsink":
		return place{3, toolkit}, true
	case pkg == "internal/sink/all":
		return place{3, registry}, true
	case pkg == "internal/sink/sinktest", pkg == "internal/testenv":
		return place{3, testOnly}, true
	case strings.HasPrefix(pkg, "internal/sink/"):
		return place{3, driver}, true
	}
	l, ok := layers[pkg]
	return place{l, plain}, ok
}

// Check returns the edges that break the rules (one message each, sorted)
// and the Exceptions that no edge uses any more.
func Check(edges []Edge) (wrong []string, stale []Edge) {
	used := make(map[Edge]bool)
	for _, e := range edges {
		if slices.Contains(Exceptions, e) {
			used[e] = true
			continue
		}
		if why := check(e); why != "" {
			wrong = append(wrong, fmt.Sprintf("%s: %s", e, why))
		}
	}
	for _, e := range Exceptions {
		if !used[e] {
			stale = append(stale, e)
		}
	}
	slices.Sort(wrong)
	wrong = slices.Compact(wrong)
	return wrong, stale
}

// check returns why e breaks the rules, or "".
func check(e Edge) string {
	from, ok := placeOf(e.From)
	if !ok {
		return e.From + " is in no layer: place it in internal/layering"
	}
	to, ok := placeOf(e.To)
	if !ok {
		return e.To + " is in no layer: place it in internal/layering"
	}
	onlySQL := func(what string) string {
		if e.To == "internal/sink" || e.To == "internal/sink/sqlsink" || e.To == "internal/schema" {
			return ""
		}
		return what + " imports only internal/sink, internal/sink/sqlsink and internal/schema"
	}
	switch {
	case to.kind == testOnly:
		return e.To + " is for tests only"
	case to.kind == driver && from.kind != registry:
		return "only the registry, internal/sink/all, imports a sink"
	case to.kind == registry && e.From != "internal/cli":
		return "only internal/cli imports the sink registry"
	case from.kind == contract && e.To != "internal/schema":
		return "the sink contract imports only internal/schema"
	case from.kind == driver:
		return onlySQL("a sink")
	case from.kind == toolkit:
		return onlySQL("the SQL toolkit")
	case e.From == "internal/archive" && e.To == "internal/sink":
		return "archive does not import sink"
	case to.layer < from.layer:
		return fmt.Sprintf("layer %d imports layer %d: imports go down the layers only", from.layer, to.layer)
	}
	return ""
}
