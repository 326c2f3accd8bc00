// Package sitegen generates a realistic, deterministic site of snapshot
// archives for tests and benchmarks of siftload, together with the truth
// siftload should find in it: the fullest version of every logical file.
//
// # Layout
//
// Snapshots are dated one day apart. With 10 or more snapshots the first
// few (at most 3) are old backups dated up to 2022-12-31 and written as
// DIR/old/backup-2022-12-31.tar.gz; the others are dated from 2023-01-01
// on and written as DIR/2023/2023-01-01_export.zip, or .tar.gz for every
// Params.TarEvery-th of them. The year directory follows the date.
//
// Each snapshot holds the logical files (keys) quality/QC01.csv ...
// (Keys/8 of them), energy/METER01.csv ... (Keys/20) and data/LINE01.csv
// ... (the rest), numbered with at least two digits. A key may start in a
// later snapshot, and an export may miss a key (never in the last
// snapshot).
//
// # Rows
//
// Exports are cumulative: key K in snapshot i holds the first n rows of
// K's row sequence, where n grows with i to Params.Rows in the last
// snapshot. Row r of K depends only on (Params.Seed, K, r), so it is the
// same in every snapshot. About 15% of the members before the last
// snapshot are cut short to a random fraction of their rows, and for
// about 15% of the keys (at least one) the last snapshot is cut short
// below an earlier version, so that an earlier snapshot wins.
//
// The columns are ts ("2023-01-02 13:45:10", increasing), line_id,
// batch ("B00042"), qty, weight_kg ("12.375"), operator (non-ASCII names,
// one with a comma), note (always quoted: commas, the odd doubled quote,
// rarely a newline), then numeric columns (temp_c, pressure_bar, ...,
// sensor_14 ...) up to Params.Columns. Integer arithmetic only, so the
// output is the same on every platform.
//
// # Tricky cases
//
// With Params.Tricky (which needs at least 10 LINE keys and 3 snapshots),
// the last snapshot is always a zip, and:
//
//   - data/LINE03.csv has a UTF-8 BOM and CRLF line endings;
//   - data/LINE04.csv is semicolon-delimited;
//   - data/LINE05.csv is UTF-16LE with a BOM and CRLF line endings;
//   - data/LINE06.csv is full in the last two snapshots: a tie, which the
//     later-named source wins;
//   - data/LINE07.csv is header-only in the last snapshot;
//   - data/LINE09.csv is, in the last snapshot, only inside the nested
//     archive extra/lines.tar.gz (stored in the zip), where it wins;
//   - data/LINE10.csv is, in the last snapshot, the gzip member
//     data/LINE10.csv.gz (stored in the zip), where it wins;
//   - every snapshot ends with manifest.json and the middle one holds
//     README.pdf: non-data members to skip.
//
// # Truth
//
// The winner of a key is the version with the most rows (CSV records after
// the header); on a tie, the source larger in byte order. Sources are
// locators as siftload writes them: the archive path (Params.Dir joined
// with the path under it by filepath.Join, with '/' separators), then
// "!/" and the member name at each level, as in
// "site/2023/2023-01-02_export.zip!/extra/lines.tar.gz!/data/LINE09.csv".
// The key of a gzip member drops ".gz"; the key of a nested member is its
// path in the innermost archive.
//
// # Determinism and memory
//
// The same Params give byte-identical files, including the times inside
// the archives and the archive file times, which are the snapshot date at
// 23:30 UTC. Rows are streamed into the archive writers through fixed
// buffers, so Params.OneBig may be many gigabytes; a tar member is
// generated twice, once to measure its size for the header.
package sitegen
