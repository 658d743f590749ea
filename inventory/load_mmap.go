package inventory

import (
	"os"

	"github.com/lz2ct/lz2ct/internal/mapped"
)

// openInput maps a regular file read-only where the platform allows, else reads it (package
// mapped, which plans.Load reads plans with too).
func openInput(f *os.File) (*input, error) {
	m, err := mapped.Open(f)
	if err != nil {
		return nil, err
	}
	return &input{data: m.Data, release: m.Release, close: m.Close}, nil
}
