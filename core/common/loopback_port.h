// A loopback TCP port that was free a moment ago (bound to port 0 and
// released), for MASTER_PORT: rank 0 serves the ranks' meeting there.
// Another process may take it in between; the rendezvous then fails
// naming the address.
#ifndef SIMCLR_CORE_COMMON_LOOPBACK_PORT_H_
#define SIMCLR_CORE_COMMON_LOOPBACK_PORT_H_

namespace simclr::core {

// -1 if no socket could be bound.
int FreeLoopbackPort();

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_LOOPBACK_PORT_H_
