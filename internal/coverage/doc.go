// Package coverage checks that the version of a key a plan chose holds
// every record that the key's other versions hold: "the most rows" loses
// data when an export rotates (January–June in one snapshot, April–December
// in a later one) or when rows were edited or deleted between snapshots.
//
// # What is compared
//
// Records are read by the one CSV dialect of siftload (package record, the
// rules of package rowcount): the same delimiter (given, or sniffed per
// file), BOM and UTF-16 decoding, line-ending rule and header rule as the
// count and the import. A version that ends in an unclosed quote or a
// record over the size limit counts the records before it (the analysis
// reports the file as a problem already).
//
// A record is compared by its fields, not by its bytes in the file: what
// the import loads is the fields, so "a",b and a,b are the same record,
// and so are a record ending in CRLF and one ending in LF. An empty field
// keeps whether it was quoted, because import loads a quoted empty field
// as the empty string and an unquoted one as NULL (in text columns): the
// two are different records here. The canonical form of a record is, for
// each field in the chosen version's column order, a tag byte (0: an
// unquoted empty field; 1: any other), and for tag 1 the field's length
// as a uvarint and its bytes. The record's hash is the 128-bit xxh3 of
// that form (github.com/zeebo/xxh3).
//
// Collisions: a record of another version is taken as present when its
// hash equals the hash of a record of the chosen version. For a chosen
// version of n records and another version of m records, the chance that
// any of the m hashes falsely matches one of the n is at most about
// m·n/2^128: for n = m = 2^30 (a billion records each) below 2^-68. A
// collision can only hide a missing record, never invent one. (A 64-bit
// hash would give m·n/2^64, about 1 in 65,000 for two 16 M-record
// versions, too much for a check whose silence means "nothing lost".)
//
// Duplicates count as a multiset: a record that another version holds k
// times and the chosen version j times makes max(k-j, 0) missing records.
// A row present twice in an old version and once in the chosen one is one
// missing row, because the database would hold it once where the old
// version held it twice.
//
// # Headers
//
// Columns are matched by name. Another version with the same header is
// compared field by field; with the same column names in another order,
// its records are reordered to the chosen version's columns first. A
// version whose names differ (a column more or less, a renamed column, a
// name twice in a header that differs) is not comparable: it is reported
// as not checked (ReasonHeader) instead of as missing every row, so that a
// reviewer looks at it. Names are compared exactly (case and spaces
// count). A record with another number of fields than its header is
// compared by its fields as they stand. With --no-header (Options.Record
// NoHeader) every version is compared field by field. An empty file (no
// header) is comparable with any version; a header-only version has no
// records and misses none.
//
// # Cost
//
// Check reads each input at most twice, whatever it holds: pass 1 reads
// the chosen version of every key that has other versions and keeps its
// sorted hashes; pass 2 reads every other version, sorts its hashes and
// merges them with the chosen set, counting what is missing. Inputs are
// read by bounded workers (largest first); within a tar stream the
// members are read in order, so a tar is decompressed once a pass, not
// once a member. Keys with one version are not read at all, and the
// digests of the analysis (Options.Digests) spare more: a version with
// the chosen version's sha256, or whose bytes are a prefix of the chosen
// version's ending in a line feed (proven by the sha256 of the chosen
// version's first bytes, taken in pass 1; a prefix under 128 KiB must
// also decode to the start of the chosen text and sniff its delimiter),
// misses nothing; versions that
// share a sha256 are read once. A key whose other versions may all be
// such prefixes (each smaller than the chosen version) has its chosen
// version read as bytes first (pass 1a: sha256 only, no parsing, up to
// the first size that is not a prefix), and in pass 1 only when one is
// not. A large version is decompressed on one
// goroutine while another parses it.
//
// Memory: 16 bytes a record. Options.MemoryLimit (default 128 MiB) is
// split in two: the chosen sets held between the passes take up to half
// (the rest go to disk), and each worker's buffer for the version it
// reads takes up to half divided by the workers (at least 16 KiB). A
// version larger than its buffer is written as sorted runs (16 bytes a
// record) to a temporary directory, which the merge then streams; so a
// 16 M-record member needs 256 MiB of disk, not of memory. Each run being
// merged takes a 64 KiB read buffer and a file descriptor: keep the limit
// at some MiB per worker (the cli asks for at least 16 MiB).
//
// Results are keyed by key and source, sorted, and counted by the merge of
// sorted sets, so they are the same for any number of workers and any
// memory limit.
//
// # Cache
//
// With Options.Cache, a pair's result is kept by content (the two
// versions' sha256 and size, the dialect, the siftload version; see
// cache.go), and so is each chosen version's sorted hash set: a later
// check reads only the pairs it has not seen, and compares a new version
// with the kept set instead of reading the chosen version again. A chosen
// version read to its end also leaves its line list (lines.go): the
// 128-bit xxh3 of each line, 16 bytes a line as the set costs 16 bytes a
// record (kept only while no larger than the version plus 64 KiB), and
// its first 128 KiB for sameStart. A new version that may be a prefix of
// a chosen version with a list is then read alone (pass 0), its lines
// compared with the list: a prefix is proven without reading the chosen
// version; one that is not goes to pass 1 (skipping pass 1a) or to the
// kept set. A result is kept only when the bytes read again hash to the
// digest the analysis measured.
package coverage
