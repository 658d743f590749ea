// Package resources decides whether a step may start now, given what running steps hold: Control
// Tower runs one OU or landing-zone operation at a time and nothing else meanwhile; account
// operations run up to the account concurrency, never during an OU operation; each StackSet runs one
// operation at a time; every other step takes a slot of the run's general pool (per-account and
// per-region work). The scheduler asks TryAcquire in execution order and releases when a step ends.
package resources

import (
	"fmt"
	"sync"

	"github.com/lz2ct/lz2ct/steps"
)

// Manager tracks what running steps hold. It is safe for concurrent use.
type Manager struct {
	mu           sync.Mutex
	accountLimit int
	workers      int

	ctExclusive bool
	ctAccounts  int
	stackSets   map[string]bool
	busy        int
}

// New returns a manager allowing accountLimit Control Tower account operations and workers steps
// of the general pool at once (both at least 1).
func New(accountLimit, workers int) *Manager {
	return &Manager{accountLimit: max(accountLimit, 1), workers: max(workers, 1), stackSets: map[string]bool{}}
}

// IsControlTower reports whether the claims include a Control Tower operation: such steps queue in
// plan order (see TryAcquire's caller).
func IsControlTower(claims []steps.Claim) bool {
	for _, c := range claims {
		if c.Kind == steps.ControlTowerExclusive || c.Kind == steps.ControlTowerAccount {
			return true
		}
	}
	return false
}

// TryAcquire takes every claim, or none and reports false. A step without a Control Tower claim
// also takes a slot of the general pool; Control Tower steps mostly wait on AWS and do not.
func (m *Manager) TryAcquire(claims []steps.Claim) (release func(), ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ct := IsControlTower(claims)
	if !ct && m.busy >= m.workers {
		return nil, false
	}
	for _, c := range claims {
		switch c.Kind {
		case steps.ControlTowerExclusive:
			if m.ctExclusive || m.ctAccounts > 0 {
				return nil, false
			}
		case steps.ControlTowerAccount:
			if m.ctExclusive || m.ctAccounts >= m.accountLimit {
				return nil, false
			}
		case steps.StackSet:
			if m.stackSets[c.Key] {
				return nil, false
			}
		default:
			panic(fmt.Sprintf("resources: unknown claim kind %q", c.Kind))
		}
	}
	for _, c := range claims {
		switch c.Kind {
		case steps.ControlTowerExclusive:
			m.ctExclusive = true
		case steps.ControlTowerAccount:
			m.ctAccounts++
		case steps.StackSet:
			m.stackSets[c.Key] = true
		}
	}
	if !ct {
		m.busy++
	}
	var once sync.Once
	return func() { once.Do(func() { m.release(claims, ct) }) }, true
}

func (m *Manager) release(claims []steps.Claim, ct bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range claims {
		switch c.Kind {
		case steps.ControlTowerExclusive:
			m.ctExclusive = false
		case steps.ControlTowerAccount:
			m.ctAccounts--
		case steps.StackSet:
			delete(m.stackSets, c.Key)
		}
	}
	if !ct {
		m.busy--
	}
}
