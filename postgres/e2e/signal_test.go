package e2e

import "syscall"

// syscallTerm is the signal a service manager stops the hub with.
const syscallTerm = syscall.SIGTERM
