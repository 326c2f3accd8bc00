// Package all lists every sink siftload is built with. A new database is
// one line here (and its package), not an init() side effect.
package all

import (
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/mysql"
	"github.com/siftload/siftload/internal/sink/oracle"
	"github.com/siftload/siftload/internal/sink/postgres"
	"github.com/siftload/siftload/internal/sink/sqlite"
	"github.com/siftload/siftload/internal/sink/sqlserver"
)

// Registry returns a registry of every sink.
func Registry() *sink.Registry {
	r := &sink.Registry{}
	r.Register(mysql.Factory{})
	r.Register(oracle.Factory{})
	r.Register(postgres.Factory{})
	r.Register(sqlite.Factory{})
	r.Register(sqlserver.Factory{})
	return r
}
