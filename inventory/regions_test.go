package inventory

import (
	"slices"
	"testing"
)

func TestSuggestRegions(t *testing.T) {
	for in, want := range map[string][]string{
		"eu-wset-1":  {"eu-west-1"}, // two letters swapped: one edit
		"us-est-1":   {"us-east-1", "us-west-1"},
		"eu-west-1":  {"eu-west-1"},
		"euwest1":    {"eu-west-1"},
		"ap-south-9": {"ap-south-1", "ap-south-2"},
	} {
		if got := SuggestRegions(in); !slices.Equal(got, want) {
			t.Errorf("SuggestRegions(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOptInRegions(t *testing.T) {
	for r, want := range map[string]bool{"us-east-1": false, "eu-west-1": false, "af-south-1": true, "me-central-1": true, "nowhere-1": false} {
		if got := IsOptInRegion(r); got != want {
			t.Errorf("IsOptInRegion(%s) = %v, want %v", r, got, want)
		}
	}
	a := Account{OptInRegions: []string{"af-south-1"}}
	if !a.EnabledIn("us-east-1") || !a.EnabledIn("af-south-1") || a.EnabledIn("me-south-1") {
		t.Error("EnabledIn: default regions and the account's opt-in regions are enabled, other opt-in regions not")
	}
}
