package catalog

import (
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

func TestTransition(t *testing.T) {
	const none = ""
	all := []string{api.ServiceDraft, api.ServiceSubmitted, api.ServiceApproved, api.ServiceLaunching, api.ServiceOnline,
		api.ServiceOffline, api.ServiceBeta, api.ServiceCreating, api.ServiceCreateFailed, api.ServiceUpdating, api.ServiceUpdateFailed}
	// want[action][public][from] = to; missing means refused.
	want := map[string]map[bool]map[string]string{
		ActionPublish: {
			false: {api.ServiceDraft: api.ServiceOnline, api.ServiceCreateFailed: api.ServiceOnline, api.ServiceUpdateFailed: api.ServiceOnline,
				api.ServiceApproved: api.ServiceOnline, api.ServiceOffline: api.ServiceOnline, api.ServiceBeta: api.ServiceOnline,
				api.ServiceLaunching: api.ServiceOnline, api.ServiceOnline: api.ServiceOnline, api.ServiceSubmitted: api.ServiceSubmitted},
			true: {api.ServiceDraft: api.ServiceSubmitted, api.ServiceCreateFailed: api.ServiceSubmitted, api.ServiceUpdateFailed: api.ServiceSubmitted,
				api.ServiceApproved: api.ServiceOnline, api.ServiceOffline: api.ServiceOnline, api.ServiceBeta: api.ServiceOnline,
				api.ServiceLaunching: api.ServiceOnline, api.ServiceOnline: api.ServiceOnline, api.ServiceSubmitted: api.ServiceSubmitted},
		},
		ActionOffline: {
			false: {api.ServiceOnline: api.ServiceOffline, api.ServiceBeta: api.ServiceOffline, api.ServiceOffline: api.ServiceOffline},
			true:  {api.ServiceOnline: api.ServiceOffline, api.ServiceBeta: api.ServiceOffline, api.ServiceOffline: api.ServiceOffline},
		},
		ActionApprove: {false: {}, true: {api.ServiceSubmitted: api.ServiceApproved, api.ServiceApproved: api.ServiceApproved}},
		ActionReject:  {false: {}, true: {api.ServiceSubmitted: api.ServiceDraft}},
	}
	for action, byShare := range want {
		for public, table := range byShare {
			for _, from := range all {
				to, ok := Transition(from, action, public)
				wantTo, wantOK := table[from]
				if ok != wantOK || to != wantTo {
					if !wantOK {
						wantTo = none
					}
					t.Errorf("%s from %s (public %v) = %q, %v; want %q, %v", action, from, public, to, ok, wantTo, wantOK)
				}
			}
		}
	}
}

func TestDefaultVersion(t *testing.T) {
	published := store.ServiceVersion{}
	published.PublishTime = published.CreateTime.AddDate(2000, 0, 0)
	v := func(n int, status string, pub bool) store.ServiceVersion {
		sv := store.ServiceVersion{Version: n, Status: status}
		if pub {
			sv.PublishTime = published.PublishTime
		}
		return sv
	}
	for name, tc := range map[string]struct {
		versions []store.ServiceVersion
		want     int
	}{
		"only draft":                 {[]store.ServiceVersion{v(1, "Draft", false)}, 1},
		"newest online":              {[]store.ServiceVersion{v(1, "Online", true), v(2, "Online", true), v(3, "Draft", false)}, 2},
		"offline beats draft":        {[]store.ServiceVersion{v(1, "Offline", true), v(2, "Draft", false)}, 1},
		"online beats offline":       {[]store.ServiceVersion{v(1, "Online", true), v(2, "Offline", true)}, 1},
		"submitted is not a default": {[]store.ServiceVersion{v(1, "Online", true), v(2, "Submitted", false)}, 1},
	} {
		if got := defaultVersion(tc.versions); got != tc.want {
			t.Errorf("%s: default %d, want %d", name, got, tc.want)
		}
	}
}

func TestCheckIfMatch(t *testing.T) {
	for header, match := range map[string]bool{"": true, "*": true, `"1.2.3"`: true, `W/"1.2.3"`: true, `"0", "1.2.3"`: true, `"1.2.4"`: false, `1.2.3`: false} {
		if err := checkIfMatch(header, `"1.2.3"`, "x"); (err == nil) != match {
			t.Errorf("If-Match %s: %v", header, err)
		}
	}
}
