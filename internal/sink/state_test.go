package sink

import "testing"

func TestKeyState(t *testing.T) {
	const sha, other = "aa", "bb"
	tests := []struct {
		Name  string
		Job   LoadJob
		Prev  LedgerEntry
		Found bool
		Want  State
	}{{
		Name: "NotInLedger",
		Job:  LoadJob{Key: "k", SHA256: sha, Rows: 3},
		Want: StatePending,
	}, {
		Name:  "SameVersion",
		Job:   LoadJob{Key: "k", SHA256: sha, Rows: 3},
		Prev:  LedgerEntry{Key: "k", SHA256: sha, Rows: 3},
		Found: true,
		Want:  StateLoaded,
	}, {
		Name:  "FullerPlan",
		Job:   LoadJob{Key: "k", SHA256: sha, Rows: 5},
		Prev:  LedgerEntry{Key: "k", SHA256: other, Rows: 3},
		Found: true,
		Want:  StateOutdated,
	}, {
		Name:  "SameRowsOtherContent",
		Job:   LoadJob{Key: "k", SHA256: sha, Rows: 3},
		Prev:  LedgerEntry{Key: "k", SHA256: other, Rows: 3},
		Found: true,
		Want:  StateOutdated,
	}, {
		Name:  "FullerLedger",
		Job:   LoadJob{Key: "k", SHA256: sha, Rows: 2},
		Prev:  LedgerEntry{Key: "k", SHA256: other, Rows: 3},
		Found: true,
		Want:  StateDowngrade,
	}, {
		Name:  "FullerLedgerDowngradeAllowed",
		Job:   LoadJob{Key: "k", SHA256: sha, Rows: 2, AllowDowngrade: true},
		Prev:  LedgerEntry{Key: "k", SHA256: other, Rows: 3},
		Found: true,
		Want:  StateDowngrade,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := KeyState(tt.Job, tt.Prev, tt.Found); got != tt.Want {
				t.Errorf("KeyState() = %s, want %s", got, tt.Want)
			}
		})
	}
}
