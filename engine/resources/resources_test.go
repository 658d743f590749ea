package resources

import (
	"testing"

	"github.com/lz2ct/lz2ct/steps"
)

var (
	ou      = []steps.Claim{{Kind: steps.ControlTowerExclusive}}
	account = []steps.Claim{{Kind: steps.ControlTowerAccount}}
	ssA     = []steps.Claim{{Kind: steps.StackSet, Key: "eu-west-1/A"}}
	ssB     = []steps.Claim{{Kind: steps.StackSet, Key: "eu-west-1/B"}}
)

func TestControlTowerOUOperationsAreExclusive(t *testing.T) {
	m := New(2, 4)
	rel, ok := m.TryAcquire(ou)
	if !ok {
		t.Fatal("first OU operation refused")
	}
	if _, ok := m.TryAcquire(ou); ok {
		t.Error("second OU operation allowed while one runs")
	}
	if _, ok := m.TryAcquire(account); ok {
		t.Error("account operation allowed during an OU operation")
	}
	if _, ok := m.TryAcquire(nil); !ok {
		t.Error("general work refused during an OU operation (Control Tower must never wait on lz2ct)")
	}
	rel()
	rel() // twice is harmless
	a1, ok1 := m.TryAcquire(account)
	a2, ok2 := m.TryAcquire(account)
	if !ok1 || !ok2 {
		t.Fatal("two account operations refused with account concurrency 2")
	}
	if _, ok := m.TryAcquire(account); ok {
		t.Error("third account operation allowed with account concurrency 2")
	}
	if _, ok := m.TryAcquire(ou); ok {
		t.Error("OU operation allowed while account operations run")
	}
	a1()
	if _, ok := m.TryAcquire(ou); ok {
		t.Error("OU operation allowed while one account operation still runs")
	}
	a2()
	if _, ok := m.TryAcquire(ou); !ok {
		t.Error("OU operation refused once account operations finished")
	}
}

func TestStackSetsAndThePool(t *testing.T) {
	m := New(1, 2)
	r1, ok := m.TryAcquire(ssA)
	if !ok {
		t.Fatal("refused")
	}
	if _, ok := m.TryAcquire(ssA); ok {
		t.Error("second operation on one StackSet allowed")
	}
	r2, ok := m.TryAcquire(ssB)
	if !ok {
		t.Fatal("another StackSet refused")
	}
	if _, ok := m.TryAcquire(nil); ok {
		t.Error("pool of 2 gave a third slot")
	}
	if _, ok := m.TryAcquire(account); !ok {
		t.Error("Control Tower step refused because the general pool is full")
	}
	r1()
	if _, ok := m.TryAcquire(ssA); !ok {
		t.Error("StackSet not released")
	}
	r2()
}
