package queue

import (
	"encoding/json"
	"testing"
)

// TestTaskCarriesUnreadableDir checks that a task keeps an input's Dir
// mark on the wire, so that the worker reports the directory.
func TestTaskCarriesUnreadableDir(t *testing.T) {
	for _, dir := range []bool{false, true} {
		b, err := json.Marshal(Task{Format: Format, Source: "site/locked", Key: "locked", Size: -1, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		var got Task
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if in := got.Input("/x/site/locked"); in.Dir != dir || in.Size != -1 || in.Path != "/x/site/locked" {
			t.Errorf("Dir %t: input after the wire: %+v", dir, in)
		}
	}
}
