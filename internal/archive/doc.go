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
// .tgz, .tbz, .tbz2, .txz and .tzst), .zip a zip, .7z a 7z and .rar a
// rar archive. Other compressed names are compressed files: x.csv.gz is
// the data file x.csv. The formats are those of github.com/mholt/archives.
//
// Split and multi-volume archives are not read, and never passed over:
// every volume is a problem that says so. Volumes are known by name
// (x.7z.001 and any archive or compressed name followed by a number of
// three or more digits; x.z01, the parts of a spanned zip; x.r00, old rar
// volumes) or by header (a zip whose end record names a later disk: the
// .zip of a spanned set; a rar whose main header has the volume flag:
// x.part1.rar, x.part2.rar).
//
// # Checksums
//
// Every checksum a format stores is checked as the bytes are read: 7z,
// zip and rar member CRC32s, gzip CRC32 and length (each member of a
// multi-member gzip), bzip2 block and stream CRCs, the xz check and the
// zstd content checksum. A mismatch shows at the end of the member, as
// an error of its last Read instead of io.EOF (ErrChecksum: "checksum
// mismatch (7z CRC32 ...): the data is corrupt"), so a reader that reads
// to io.EOF never takes a corrupt member for a whole one. bodgit/sevenzip
// does not check member CRCs; the walk does (sevenzip.go). Encrypted 7z
// data (AES) is refused, never decrypted with an empty password into
// garbage. Errors of the format libraries that siftload knows are told in
// plain words ("7z archive properties block is not supported"), wrapping
// the library's error (ErrUnsupported, ErrChecksum).
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
// level, by Sep ("!/") and the member's level: its name inside that
// archive (as UTF-8, see "Member names") with every '#' doubled, and, for
// the n-th member of that name in archive order (n >= 2), '#' and n
// (MemberLevel):
//
//	site/2023/a.zip!/data/LINE01.csv
//	site/a.zip!/inner.tar.gz!/x/LINE02.csv
//	site/a.tar!/data/LINE01.csv#2  (the second member data/LINE01.csv)
//	site/a.zip!/C##/x.csv          (the member C#/x.csv)
//	site/x.csv.gz                  (a compressed file is not a level)
//
// So every member of an archive has a locator of its own, also when tar
// -r or tar -u appended a path twice, and a walk and Walker.Open name the
// same bytes by it. Directories and tar metadata entries are not counted.
// All copies of a path are candidates for one key.
//
// A key names the logical file that several snapshots hold versions of:
// the member path inside its innermost archive, or a loose file's path
// under its INPUT directory, or the base name of a file given directly;
// normalized by DefaultKey ('/' separators, no leading "./" or "/", no
// compression suffix).
//
// # Member names
//
// Keys and locators are valid UTF-8. A zip name with the UTF-8 flag
// (general purpose bit 11) is taken as it is; without it, the name of the
// Info-ZIP Unicode Path extra field (0x7075) when the field's CRC-32
// matches the stored name; else an ASCII name, or a valid UTF-8 name from
// a Unix or macOS zipper ("version made by"), as it is; else the name is
// decoded by Walker.NameEncoding, CP437 by default as the zip
// specification says. A tar name that is valid UTF-8 is taken as it is,
// else decoded by NameEncoding; without one, and for a zip name flagged
// UTF-8 that is not, the member is a problem (its locator has U+FFFD for
// the bad bytes). So one file has one key whatever tool archived it.
//
// Member names are data, never paths on this machine: a name with "../",
// a leading "/", a drive letter, a backslash, a NUL byte or 64 KiB stays
// as it is in the locator. A member whose name escapes its archive, and a
// link or device member, is reported as a problem (when its name is that
// of a data file or an archive) and is never read. A walk writes nothing
// but its spool files, whose names it makes itself.
//
// Links are reported in one wording in every format ("link member: links
// are not followed"): zip, tar and 7z symbolic and hard links, and RAR5
// redirections (links, junctions, file copies). Directories and tar
// metadata entries (pax extended and global headers, GNU long names and
// links, GNU volume labels and dump directories, Solaris ACL and extended
// attribute entries) are not members at all, whatever their names. A tar
// continuation of a file from another volume and a tar entry of an
// unknown type are problems when their names are data or archives.
//
// # Limits
//
// Archives are input from elsewhere, and a small one may decompress to
// terabytes. Two limits of the Walker turn such files into problems; they
// are enforced on the bytes as they come, never by trusting headers:
//
//   - Walker.MaxMemberSize (64 GiB by default) bounds the bytes of one
//     member, and of one compressed file (a member or a loose x.csv.gz)
//     once decompressed: "member larger than 64 GiB limit". A member
//     whose header already says more is not read at all. A tar stream as
//     a whole is not bounded, its members are; a loose uncompressed file
//     is as large as it is.
//   - Walker.MaxRatio (1000 by default) bounds the compression ratio:
//     once a decompressing reader has yielded 16 MiB, it fails when it
//     has yielded more than MaxRatio times what it made the walk read from
//     the outermost file on disk: "compression ratio above 1000:1:
//     possible decompression bomb". Real CSV exports compress 5:1 to 20:1.
//
// The ratio's denominator is always bytes of the outermost file, so the
// ratio of a member is that of all the layers above it together and
// nesting does not multiply what the limit allows. Per format:
//
//   - a compressed file (x.csv.gz) or compressed tar (x.tar.gz): the bytes
//     the decompressor read from below, down to the outermost file;
//   - a tar or rar member: what the stream below it consumed while the
//     member was read;
//   - a zip or 7z member read in place: the bytes read from the archive
//     file while the member was read (its compressed data and headers);
//   - a member of a spooled zip or 7z: the bytes read from the spool file,
//     each costing what producing the spool cost per byte (the spool's
//     own input is metered too);
//   - all the members of a zip or 7z together, against the archive's
//     whole cost: members that share their compressed data (overlapping
//     entries) each look harmless, their sum does not. Crossing it ends
//     the archive.
//
// A crossed limit fails the reads of that reader, so the member (or, for
// a tar stream, the archive) becomes a problem and the walk goes on with
// the rest; memory stays bounded (nothing is buffered whole) and so does
// disk (the spool has its own limit, MaxSpool). The same limits apply to
// Walker.Open.
//
// A zip's central directory is held in memory by the zip reader while
// its archive is walked: about 240 bytes an entry (measured for names of
// 19 bytes: 240 MB for a million entries). A walk adds nothing per zip
// entry but a 4-byte index while it sorts names for duplicates; for a
// stream archive (tar, rar) and a 7z it keeps each member name while the
// archive is walked, to count duplicates. Walker.MaxEntries (1,000,000
// by default) bounds the entries of one input, outermost and nested
// archives together: a zip's count is read from its end of central
// directory record (zip64 too), and checked against the headers its
// directory really holds, before the zip reader parses the directory; a
// zip that would cross the limit is refused whole, a stream ends at the
// entry that crosses it: "zip central directory lists 2000000 entries:
// over the limit of 1000000 entries per input (--max-entries)".
//
// One bad entry (an unsupported compression method, a bad local header,
// a bad CRC) is the problem of that entry alone; the walk goes on with
// the archive's other members. A zip whose central directory sets the
// data descriptor flag where no descriptor follows the data is read as
// unzip and libarchive read it: the central directory's CRC-32 and sizes
// are authoritative, the descriptor optional. A tar header that cannot be
// read ends its stream (a tar has no index to find the next header by).
//
// # Data files and problems
//
// By default a data file is one whose key ends .csv, .tsv or .txt in any
// letter case (DefaultIsData); Filter selects by globs instead. Other
// files are skipped and counted in Stats.
//
// A bad archive or member (corrupt, truncated, encrypted, escaping,
// nested too deep, too large to spool, over a limit) becomes a
// *problem.Error passed to Walker.Problem, and the walk goes on with the
// rest.
package archive
