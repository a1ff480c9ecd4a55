// Package emu is the internal API between awsemu's front and the service
// packages under it (sns, cloudwatch, …): the call a handler answers, how a
// service registers its handlers, the errors it returns, the principal
// behind a call and the account and region a resource lives in.
//
// The front (package awsemu) authenticates, logs and admits each request,
// then hands a service's Handler a *Call; the service answers with
// Call.Result or returns an error (an *Error keeps its code and status;
// anything else is InternalFailure). A service package never sees the
// Server: it gets a Host at start-up and registers its handlers on it.
package emu
