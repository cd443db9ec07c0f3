package pgtest

import (
	"os/exec"
	"syscall"
)

// stopWithTheTests makes the server go if the test binary dies (a panic, a
// -timeout): SIGQUIT is PostgreSQL's immediate shutdown. The kernel sends it
// when the thread that started the server ends, so that thread is kept
// until the server has exited.
func stopWithTheTests(cmd *exec.Cmd) { cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT }
