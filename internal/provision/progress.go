package provision

import (
	"regexp"
	"strconv"
)

// percent finds a percentage in a broker's description ("Creating service (40% complete)").
var percent = regexp.MustCompile(`(\d{1,3}(?:\.\d+)?)\s*%`)

// nextProgress is the progress to show after a poll that found the operation still going.
// A percentage in the broker's description is taken as it is; without one, progress moves
// a tenth of the way towards 90 at each poll. Either way it never goes back, and it stays
// below 100 until the broker reports success.
func nextProgress(current int, description string) int {
	next := current + max((90-current)/10, 0)
	if m := percent.FindStringSubmatch(description); m != nil {
		if f, err := strconv.ParseFloat(m[1], 64); err == nil && f <= 100 {
			next = int(f)
		}
	}
	return min(max(next, current), 99)
}
