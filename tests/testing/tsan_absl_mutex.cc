// TSan builds only (scripts/test_sanitize.sh): Debian's Abseil is not built
// with TSan, so TSan cannot see that absl::Mutex orders memory and reports
// every field guarded by one as a race. These definitions interpose the
// Mutex and CondVar entry points (the executable's symbols win over the
// shared library's), tell TSan the acquire and release, and call the real
// ones. Without this, `make test-sanitize` reported 7 such false races in
// JobManager's tests.
//
// Abseil evaluates a waiter's Condition inside Await (on the waiter) and
// inside Unlock (on the unlocking thread), holding the mutex internally:
// Condition::Eval is interposed too, and acquires and releases the mutex
// of the call in progress on that thread.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdlib>

#include "absl/synchronization/mutex.h"

namespace {

template <typename Fn>
Fn Real(const char* mangled) {
  void* symbol = dlsym(RTLD_NEXT, mangled);
  if (symbol == nullptr) std::abort();
  return reinterpret_cast<Fn>(symbol);
}

using Plain = void (*)(absl::Mutex*);
using Try = bool (*)(absl::Mutex*);
using WithCondition = void (*)(absl::Mutex*, const absl::Condition&);
using WithTimeout = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using WithDeadline = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using EvalFn = bool (*)(const absl::Condition*);

// The mutex whose Await, LockWhen or Unlock this thread is inside.
thread_local absl::Mutex* current = nullptr;

struct Inside {
  explicit Inside(absl::Mutex* mu) : saved(current) { current = mu; }
  ~Inside() { current = saved; }
  absl::Mutex* saved;
};

}  // namespace

#define SIMCLR_MANGLED(name) "_ZN4absl7debian35Mutex" name

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<Plain>(SIMCLR_MANGLED("4LockEv"));
  real(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  static const auto real = Real<Plain>(SIMCLR_MANGLED("6UnlockEv"));
  __tsan_release(this);
  Inside inside(this);
  real(this);
}

void Mutex::ReaderLock() {
  static const auto real = Real<Plain>(SIMCLR_MANGLED("10ReaderLockEv"));
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<Plain>(SIMCLR_MANGLED("12ReaderUnlockEv"));
  __tsan_release(this);
  real(this);
}

bool Mutex::TryLock() {
  static const auto real = Real<Try>(SIMCLR_MANGLED("7TryLockEv"));
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = Real<WithCondition>(SIMCLR_MANGLED("8LockWhenERKNS0_9ConditionE"));
  Inside inside(this);
  real(this, cond);
  __tsan_acquire(this);
}

void Mutex::Await(const Condition& cond) {
  static const auto real = Real<WithCondition>(SIMCLR_MANGLED("5AwaitERKNS0_9ConditionE"));
  __tsan_release(this);
  Inside inside(this);
  real(this, cond);
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<WithTimeout>(SIMCLR_MANGLED("16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  __tsan_release(this);
  Inside inside(this);
  const bool met = real(this, cond, timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Real<WithDeadline>(SIMCLR_MANGLED("17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  __tsan_release(this);
  Inside inside(this);
  const bool met = real(this, cond, deadline);
  __tsan_acquire(this);
  return met;
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<WithTimeout>(SIMCLR_MANGLED("19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  Inside inside(this);
  const bool met = real(this, cond, timeout);
  __tsan_acquire(this);
  return met;
}

bool Condition::Eval() const {
  static const auto real = Real<EvalFn>("_ZNK4absl7debian39Condition4EvalEv");
  if (current != nullptr) __tsan_acquire(current);
  const bool met = real(this);
  if (current != nullptr) __tsan_release(current);
  return met;
}

ABSL_NAMESPACE_END
}  // namespace absl
