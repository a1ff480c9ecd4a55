// Package reliability holds rootguard's fault-injection suite: every
// command run against an endpoint that hangs, refuses, throttles or is slow
// past its deadlines must end in bounded time with its documented exit code,
// and lose or invent no finding. The suite is its tests; docs/reliability.md
// keeps its tally and the command that reproduces it.
package reliability
