// Package rowcount holds siftload's CSV dialect, and counts CSV records in
// a byte stream without parsing fields, fast enough to run alongside a
// SHA-256 of the same bytes.
//
// A [Counter] is an [io.Writer]: feed it the file's bytes in any chunks, for
// example with io.Copy(io.MultiWriter(sha, c), r), then ask for
// [Counter.Records] or [Counter.Rows], and [Counter.Err] for a malformed
// file. A [Text] placed in front of it removes a byte order mark and
// decodes UTF-16 to UTF-8; [NewTextReader] does the same for a reader, and
// [DetectBOM] holds the one BOM rule both use. [SniffDelimiter] is the one
// delimiter guess. The import reader (package record) parses fields with
// exactly these rules, so that a count is always what the loader reads; a
// differential fuzz test holds them to it.
//
// # The dialect
//
// The text is UTF-8 (or an encoding in which '"', '\r', '\n' and the
// delimiter are single bytes that never occur inside other characters:
// ASCII, the ISO 8859 and Windows code pages; put a Text in front of
// UTF-16). The delimiter is one byte, sniffed per file (SniffDelimiter on
// the first SniffLen bytes of text) unless it is given. The quote is '"'.
//
// Fields and quotes:
//
//   - A record is a list of fields separated by the delimiter.
//   - A quote opens a quoted field only at the start of a field: at the
//     start of a record or right after a delimiter. Anywhere else it is an
//     ordinary byte of an unquoted field (10,3/4" pipe,5 has three fields;
//     the rule of Python's csv module, Go's LazyQuotes and PapaParse).
//   - Inside a quoted field, "" is one quote, and the delimiter, "\r" and
//     "\n" are data: a quoted field may span lines, and its bytes, "\r\n"
//     included, are kept as they are.
//   - The quote that closes a quoted field is normally followed by the
//     delimiter, the record's end or the end of the input. When another
//     byte follows, that byte and the rest of the field up to the next
//     delimiter or record end are appended to the field as unquoted data,
//     in which a quote is an ordinary byte: "ab"cd"e,f is the fields
//     abcd"e and f. This is Python's csv with strict=False.
//   - A file that ends inside a quoted field is malformed: the counter
//     reports it (ErrUnclosedQuote, with the record where the quote
//     opened) and the import reader refuses it; neither guesses.
//
// Records and line endings, decided per file by the first record
// terminator outside quotes:
//
//   - If it is "\n" or "\r\n", the file is LF: records end at "\n" or
//     "\r\n" outside quotes, and a lone "\r" is data. A "\r" just before
//     the end of the input ends the record like "\r\n".
//   - If it is a bare "\r" (classic Mac), the file is CR: records end at
//     "\r", "\n" or "\r\n" outside quotes, as Python reads them. A "\r\n"
//     there is a record end and a blank line, which is skipped.
//   - A blank line is not a record: a line that holds nothing outside
//     quotes (in an LF file, nothing or a lone "\r" before its "\n" or the
//     end of the input). A line of spaces, or of a quoted empty field ""
//     alone, is a record of one field.
//   - The last line is a record even without a terminator, unless it is
//     blank. An empty input has no records. A UTF-8 byte order mark (EF BB
//     BF) at the very start is not text.
//   - The size of a record is the number of bytes of its line or lines,
//     its terminator included. A Counter given MaxRecordBytes reports the
//     first record over it, and the import reader fails on the same record.
//
// Where this differs from Python's csv module (strict=False, default
// dialect) on purpose: a lone "\r" in an LF file is data (Python ends a
// record there); blank lines are skipped (Python returns an empty list);
// an unclosed quote at the end of the input is an error (Python returns
// the open field). On everything else the import reader returns what
// Python returns, which a test checks when python3 is installed.
//
// On any input that encoding/csv reads without error (FieldsPerRecord -1,
// LazyQuotes false, the same Comma) and that has no bare "\r" before its
// first "\n" outside quotes (so that it is an LF file), the count equals
// the number of records encoding/csv returns.
//
// # What a Counter notes
//
// Besides the count, a Counter notes the first record that is longer than
// MaxRecordBytes, the records whose field count differs from the first
// record's (the header's), and whether line endings are mixed ("\n" and
// "\r\n" in an LF file, any "\n" in a CR file). Records are numbered from
// 1, the header included.
package rowcount
