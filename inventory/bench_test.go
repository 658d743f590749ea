package inventory_test

import (
	"fmt"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
)

// Decode, Encode, Sort and NewIndex on generated organizations (make bench reports them).
// go test -run '^$' -bench . -benchtime 1x ./inventory
func BenchmarkSnapshot(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		s, err := orggen.Generate(orggen.Params{Accounts: n, OUs: n / 25, Depth: 5, Regions: 4, Seed: 1, ConfigShare: 0.95, SCPDensity: 0.3})
		if err != nil {
			b.Fatal(err)
		}
		data, err := inventory.Encode(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("Decode/%daccounts", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := inventory.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Encode/%daccounts", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := inventory.Encode(s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Validate/%daccounts", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := inventory.Validate(s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("IndexSubtrees/%daccounts", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ix := inventory.NewIndex(s)
				for _, ou := range s.OUs {
					ix.SubtreeAccountCount(ou.ID)
					ix.Depth(ou.ID)
				}
			}
		})
	}
}
