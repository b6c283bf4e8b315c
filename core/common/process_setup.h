// Process-wide settings every binary's main() applies first.
//
// ConfigureMalloc(): glibc mmaps every allocation over its threshold (up to
// 32 MB once adapted) and unmaps it on free, so each training step faults in
// its activations afresh: 9 M page faults and ~58% system time measured on
// this stack (STACK.md pitfall 4). Turning mmap off and raising the trim
// threshold keeps freed memory in the heap for the next step: +37% (small
// CNN) to +50% (ResNet-18) throughput, at the cost of a higher peak RSS.
//
// Call it before any thread starts; it is idempotent.
#ifndef SIMCLR_CORE_COMMON_PROCESS_SETUP_H_
#define SIMCLR_CORE_COMMON_PROCESS_SETUP_H_

namespace simclr::core {

// Applies mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, 1 GiB).
// Returns false if glibc refused either setting.
bool ConfigureMalloc();

// Initialises glog for `argv0`, logging to stderr unless the user chose a
// destination through GLOG_* environment variables (glog's default is files
// under /tmp, which a service operator would not look for).
void InitLogging(const char* argv0);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_PROCESS_SETUP_H_
