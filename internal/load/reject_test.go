package load

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/siftload/siftload/internal/problem"
)

// TestPrefetchReject checks the records a sink sets aside after the
// database refused them: Record gives the source's record number of every
// row, Reject counts in Rejected and in the rejects file, and MaxBadRows
// bounds the records set aside by the source and by the sink together.
func TestPrefetchReject(t *testing.T) {
	tests := []struct {
		Name       string
		Rows, Bad  int
		MaxBad     int64
		Refuse     []int64 // records the sink rejects
		WantErr    int64   // the record whose Reject fails; 0: none
		WantReject int64
	}{
		{Name: "None", Rows: 3000, MaxBad: 5},
		{Name: "Some", Rows: 3000, MaxBad: 5, Refuse: []int64{2, 2999}, WantReject: 2},
		{Name: "WithSourceRejects", Rows: 3000, Bad: 1000, MaxBad: 5, Refuse: []int64{7, 1500}, WantReject: 5},
		{Name: "TooMany", Rows: 3000, MaxBad: 1, Refuse: []int64{7, 1500}, WantErr: 1500, WantReject: 1},
		{Name: "NoneAllowed", Rows: 3000, Refuse: []int64{7}, WantErr: 7},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			data := testCSV(tt.Rows, tt.Bad)
			j := testJob(data)
			src, err := NewImporter(nil, Config{Parsing: Parsing{MaxBadRows: tt.MaxBad}}).newSource(newVerifier(bytes.NewReader(data), j.SHA256), j, testCols, false)
			if err != nil {
				t.Fatal(err)
			}
			pf := newPrefetch(src, nil)
			defer pf.stop()
			refuse := make(map[int64]bool)
			for _, r := range tt.Refuse {
				refuse[r] = true
			}
			var gotErr int64
			for pf.Next() {
				vals, _ := pf.Values()
				rec := pf.Record()
				// testCSV's record n holds id n.
				if id := vals[0].(int64); rec != id {
					t.Fatalf("Record() = %d for id %d", rec, id)
				}
				if refuse[rec] {
					err := pf.Reject(rec, fmt.Errorf("ORA-12899: value too large"))
					var pe *problem.Error
					switch {
					case err == nil:
					case errors.As(err, &pe) && pe.Record == rec:
						gotErr = rec
					default:
						t.Fatalf("Reject(%d) = %v, want a problem of record %d", rec, err, rec)
					}
				}
			}
			pf.stop()
			if gotErr != tt.WantErr {
				t.Errorf("Reject failed at record %d, want %d", gotErr, tt.WantErr)
			}
			if pf.Rejected() != tt.WantReject || int64(len(src.allRejects())) != tt.WantReject {
				t.Errorf("Rejected() = %d, rejects %d, want %d", pf.Rejected(), len(src.allRejects()), tt.WantReject)
			}
			all := src.allRejects()
			for i := 1; i < len(all); i++ {
				if all[i-1].Record > all[i].Record {
					t.Errorf("rejects out of order: %d before %d", all[i-1].Record, all[i].Record)
				}
			}
		})
	}
}
