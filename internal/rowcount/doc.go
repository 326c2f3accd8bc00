// Package rowcount counts CSV records in a byte stream without parsing
// fields, fast enough to run alongside a SHA-256 of the same bytes.
//
// A [Counter] is an [io.Writer]: feed it the file's bytes in any chunks, for
// example with io.Copy(io.MultiWriter(sha, c), r), then ask for
// [Counter.Records] or [Counter.Rows]. A [Text] placed in front of it
// removes a byte order mark and decodes UTF-16 to UTF-8; [NewTextReader] does
// the same for a reader, and [DetectBOM] holds the one BOM rule both use.
//
// # Counting rules
//
// The rules are those of RFC 4180 as encoding/csv applies them:
//
//   - A record ends at a newline, "\n" or "\r\n", that is outside double
//     quotes. A bare "\r" does not end a record.
//   - A double quote toggles "inside quotes". A newline inside quotes belongs
//     to the field and does not end the record. An escaped quote ("") inside
//     a quoted field toggles twice and so changes nothing.
//   - The delimiter does not matter: commas, semicolons, tabs and pipes are
//     all ordinary bytes, so quotes are honoured whatever the delimiter is.
//   - A blank line is not a record. A line is blank when it is outside quotes
//     and holds nothing, or nothing but one "\r", before its "\n" or before
//     the end of the input.
//   - The last line counts as a record even without a trailing newline,
//     provided it is not blank. An input that ends inside quotes (an
//     unterminated quoted field) counts its open record once.
//   - A UTF-8 byte order mark (EF BB BF) at the very start is ignored.
//   - An empty input has no records.
//
// On any input that encoding/csv reads without error (with FieldsPerRecord
// set to -1, LazyQuotes false, no Comment, whatever the Comma), after the
// removal of a leading UTF-8 BOM, the count equals the number of records
// encoding/csv returns. The package's fuzz test checks this. On input that
// encoding/csv rejects, such as a quote in the middle of an unquoted field,
// the count is still defined by the rules above: every quote toggles.
//
// Quotes are tracked byte by byte, so the counter assumes an encoding in
// which '"', '\r' and '\n' are single bytes that never occur inside other
// characters: UTF-8, ASCII and the ISO 8859 and Windows code pages qualify,
// UTF-16 does not; put a Text in front for it.
package rowcount
