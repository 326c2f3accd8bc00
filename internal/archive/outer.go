package archive

// Outer returns the path of the outermost file of source (relative to
// base when not absolute), the file Open would open first: a regular
// file, as Stat checks. Import uses it to confine sources to the plan's
// inputs before anything is read.
func Outer(base, source string) (string, error) {
	it, _, err := resolveOuter(base, source)
	if err != nil {
		return "", err
	}
	return it.path, nil
}
