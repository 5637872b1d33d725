package provision

import "testing"

func TestNextProgress(t *testing.T) {
	for _, tc := range []struct {
		current     int
		description string
		want        int
	}{
		{10, "Creating service (40% complete)", 40},
		{10, "step 2 of 5: 37.5 % done", 37},
		{50, "Creating (20% complete)", 50}, // never back
		{10, "almost there: 100%", 99},      // 100 only on success
		{10, "done 250%", 18},               // not a percentage: creep
		{10, "working", 18},                 // creep a tenth of the way to 90
		{85, "working", 85},
		{99, "working", 99},
	} {
		if got := nextProgress(tc.current, tc.description); got != tc.want {
			t.Errorf("nextProgress(%d, %q) = %d, want %d", tc.current, tc.description, got, tc.want)
		}
	}
}
