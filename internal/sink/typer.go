package sink

import "github.com/siftload/siftload/internal/schema"

// ColumnTyper is a Sink whose CREATE TABLE is part of a load's
// transaction (a load that rolls back leaves no table behind) and whose
// column of type t and longest value maxLen is created as
// ColumnType(t, maxLen). An import into such a sink may create a new
// table from the types of a file's first records while the file streams
// in, and load again with wider types when a later record needs them: two
// columns with the same Type and ColumnType make the same table.
//
// A sink whose DDL commits by itself (Oracle, MySQL) must not implement
// it: its import infers the types from every value before it loads.
type ColumnTyper interface {
	Sink
	ColumnType(t schema.Type, maxLen int) string
}
