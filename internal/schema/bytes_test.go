package schema

// The byte-slice forms of Add and ConvertStrings, which the tests use to
// check that both field types give the same result.

// addBytes is Add for fields as byte slices.
func (in *Inferrer) addBytes(record [][]byte) { add(in, record) }

// convertBytes is ConvertStrings for fields as byte slices.
func (c *Converter) convertBytes(fields [][]byte, quoted []bool, out []any) error {
	return convert(c, fields, quoted, out)
}
