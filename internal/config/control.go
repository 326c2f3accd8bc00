package config

import (
	"fmt"
	"reflect"
	"unicode"
)

// Control characters in settings.
//
// No path, URL or name that a setting holds has a control character in it.
// One gets there by accident: in a double-quoted YAML string a backslash
// starts an escape, so "D:\exports\rgb" holds ESC (\e) and CR (\r) where
// the user meant a Windows path. checkControl refuses such a value, names
// the key and, for a profile, its line, and says how to write the path.
// The delimiter is the one setting that may be a control character (a tab).

// controlFree lists the keys whose value may hold a control character.
var controlFree = map[string]bool{"delimiter": true}

// checkControl returns an *Error for the first string setting the layer
// set that holds a control character.
func (l Layer) checkControl() error {
	v := reflect.ValueOf(l.Settings)
	for _, f := range fields() {
		if controlFree[f.key] || !l.Has(f.key) {
			continue
		}
		var values []string
		switch f.kind {
		case reflect.String:
			values = []string{v.FieldByIndex(f.index).String()}
		case reflect.Slice:
			values, _ = v.FieldByIndex(f.index).Interface().([]string)
		}
		for _, s := range values {
			r, ok := firstControl(s)
			if !ok {
				continue
			}
			msg := fmt.Sprintf("the value holds the control character %U (%q)", r, string(r))
			if l.Origins[f.key].Kind == FromFile {
				msg += `: in a double-quoted YAML string a backslash starts an escape ("D:\exports" holds ESC): ` +
					`write the value in single quotes ('D:\exports') or with forward slashes (D:/exports)`
			} else {
				msg += ": write the value without it"
			}
			return &Error{Origin: l.Origins[f.key], Key: f.key, Msg: msg}
		}
	}
	return nil
}

// firstControl returns the first control character in s (C0, DEL or C1).
func firstControl(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) {
			return r, true
		}
	}
	return 0, false
}
