// Package archive finds the data files in a site's snapshots: directories,
// archives, archives inside archives and plain files, in any mix.
//
// Expand turns INPUT arguments into a sorted list of outermost files. A
// Walker then walks each of them (WalkInput, safe to run concurrently on
// different inputs) and calls a function for every data file with an
// Entry: its locator, its key, and a way to read its decompressed bytes
// that is valid only inside the call. Walker.Open reads one file again
// from its locator.
//
// # Formats
//
// Files are judged by name, case-insensitively. One single-stream
// compression suffix (.gz, .bz2, .xz, .zst) is stripped first; then a
// name ending .tar is a tar (so x.tar.gz is a compressed tar, as are
// .tgz, .tbz2, .txz and .tzst), .zip a zip, .7z a 7z and .rar a rar
// archive. Other compressed names are compressed files: x.csv.gz is the
// data file x.csv. The formats are those of github.com/mholt/archives.
//
// Tar and rar archives are read as streams, also when nested. Zip and 7z
// need random access: a loose one is read in place, a nested (or
// compressed) one is first copied to a temporary file in Walker.TempDir,
// bounded by Walker.MaxSpool and removed when its walk ends. Nothing is
// ever extracted elsewhere, and no member is held whole in memory.
//
// # Locators and keys
//
// A locator names a file by its outermost path (the INPUT argument joined
// with the path under it, with '/' separators) followed, for each archive
// level, by Sep ("!/") and the member's name inside that archive, exactly
// as the archive spells it:
//
//	site/2023/a.zip!/data/LINE01.csv
//	site/a.zip!/inner.tar.gz!/x/LINE02.csv
//	site/x.csv.gz                  (a compressed file is not a level)
//
// A key names the logical file that several snapshots hold versions of:
// the member path inside its innermost archive, or a loose file's path
// under its INPUT directory, or the base name of a file given directly;
// normalized by DefaultKey ('/' separators, no leading "./" or "/", no
// compression suffix).
//
// Member names are data, never paths on this machine: a name with "../",
// a leading "/", a drive letter, a backslash or a NUL byte stays as it is
// in the locator. A member whose name escapes its archive, and a link or
// device member, is reported as a problem (when its name is that of a
// data file or an archive) and is never read.
//
// # Data files and problems
//
// By default a data file is one whose key ends .csv, .tsv or .txt in any
// letter case (DefaultIsData); Filter selects by globs instead. Other
// files are skipped and counted in Stats.
//
// A bad archive or member (corrupt, truncated, encrypted, escaping,
// nested too deep, too large to spool) becomes a *problem.Error passed to
// Walker.Problem, and the walk goes on with the rest.
package archive
