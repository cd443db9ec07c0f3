//go:build !linux

package pgtest

import "os/exec"

// stopWithTheTests does nothing where the kernel cannot signal a child when
// its parent dies: a server left by a crashed test run must be stopped by hand.
func stopWithTheTests(*exec.Cmd) {}
