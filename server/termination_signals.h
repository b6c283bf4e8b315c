// SIGTERM / SIGINT (stop) and SIGHUP (reload the tokens file) handling by a
// synchronous wait, not a signal handler.
//
// BlockTerminationSignals() must run in main() before any thread starts
// (gRPC, civetweb, OpenMP), so every thread inherits the mask and the
// signal stays pending until WaitForTerminationSignal() takes it. Child
// processes must unblock the signals themselves after fork.
#ifndef SIMCLR_SERVER_TERMINATION_SIGNALS_H_
#define SIMCLR_SERVER_TERMINATION_SIGNALS_H_

namespace simclr::server {

void BlockTerminationSignals();

// Blocks until SIGTERM, SIGINT or SIGHUP arrives; returns the signal number.
int WaitForSignal();

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_TERMINATION_SIGNALS_H_
