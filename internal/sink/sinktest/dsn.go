package sinktest

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// DSNCase is one case of a sink's DSN parser test.
type DSNCase[C any] struct {
	Name    string
	Input   string
	Want    C
	WantErr bool
}

// RunDSNCases runs parse on each case's Input in a subtest: it must fail
// when WantErr and return Want otherwise. An error must not show a
// password the Input holds (in its user info or a "password" parameter).
func RunDSNCases[C any](t *testing.T, parse func(dsn string) (C, error), cases []DSNCase[C]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := parse(tt.Input)
			if (err != nil) != tt.WantErr {
				t.Fatalf("ParseDSN(%q) error = %v, want error %v", tt.Input, err, tt.WantErr)
			}
			if err != nil {
				if pw := password(tt.Input); pw != "" && strings.Contains(err.Error(), pw) {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("ParseDSN(%q) = %+v, want %+v", tt.Input, got, tt.Want)
			}
		})
	}
}

// password returns the password dsn holds, or "".
func password(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return pw
	}
	return u.Query().Get("password")
}
