// Package crash holds the crash harness of lz2ct apply (crash_test.go): it builds the binary, serves
// an organization from the simulator in this process, runs apply and resume as subprocesses and
// SIGKILLs them — at random instants, and from the simulator's after-mutation hook, in the window
// where AWS applied a change the journal has not recorded — then resumes until the run finishes,
// and checks that every episode ends in the same organization with no mutation applied twice.
//
// LZ2CT_CRASH_POINTS sets how many kills a run of the harness makes (default 50, the make test
// figure; make crash runs 300).
package crash
