// A least-recently-used cache that loads each key once.
//
// Concurrent first requests for one key run its loader once; the others
// wait for that load and share its result (or its error, which is not
// cached, so a later request tries again). Values are shared_ptrs, so an
// evicted value lives on while someone still uses it. The cache is bounded
// by entry count and by the bytes `weigh` reports; the newest entry always
// stays, even when it alone is over the byte budget.
#ifndef SIMCLR_CORE_INFERENCE_ONCE_LRU_CACHE_H_
#define SIMCLR_CORE_INFERENCE_ONCE_LRU_CACHE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace simclr::core {

template <typename V>
class OnceLruCache {
 public:
  using Loader =
      std::function<absl::StatusOr<std::shared_ptr<V>>(const std::string&)>;
  using Weigher = std::function<int64_t(const V&)>;

  OnceLruCache(Loader load, Weigher weigh, size_t max_entries,
               int64_t max_bytes)
      : load_(std::move(load)),
        weigh_(std::move(weigh)),
        max_entries_(max_entries < 1 ? 1 : max_entries),
        max_bytes_(max_bytes) {}

  absl::StatusOr<std::shared_ptr<V>> Get(const std::string& key) {
    std::shared_ptr<Slot> slot;
    {
      absl::MutexLock lock(&mu_);
      if (auto it = slots_.find(key); it != slots_.end()) {
        slot = it->second;
        if (!slot->ready) {
          mu_.Await(absl::Condition(
              +[](Slot* s) { return s->ready; }, slot.get()));
        }
        if (!slot->status.ok()) return slot->status;
        if (slot->cached) lru_.splice(lru_.begin(), lru_, slot->position);
        return slot->value;
      }
      slot = std::make_shared<Slot>();
      slots_.emplace(key, slot);
      ++loads_;
    }
    // The load runs unlocked: other keys stay servable meanwhile.
    absl::StatusOr<std::shared_ptr<V>> loaded = load_(key);
    absl::MutexLock lock(&mu_);
    slot->ready = true;
    if (!loaded.ok()) {
      slot->status = loaded.status();
      slots_.erase(key);
      return loaded.status();
    }
    slot->value = *loaded;
    slot->bytes = weigh_(**loaded);
    slot->cached = true;
    lru_.push_front(key);
    slot->position = lru_.begin();
    bytes_ += slot->bytes;
    EvictOverBudget();
    return slot->value;
  }

  // Entries loaded and cached now.
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return lru_.size();
  }
  int64_t bytes() const {
    absl::MutexLock lock(&mu_);
    return bytes_;
  }
  // Loader calls so far, failed ones included.
  int64_t loads() const {
    absl::MutexLock lock(&mu_);
    return loads_;
  }

 private:
  struct Slot {
    bool ready = false;   // the load has finished (either way)
    bool cached = false;  // in lru_
    absl::Status status;
    std::shared_ptr<V> value;
    int64_t bytes = 0;
    std::list<std::string>::iterator position;
  };

  void EvictOverBudget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (lru_.size() > 1 &&
           (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
      auto it = slots_.find(lru_.back());
      bytes_ -= it->second->bytes;
      slots_.erase(it);
      lru_.pop_back();
    }
  }

  const Loader load_;
  const Weigher weigh_;
  const size_t max_entries_;
  const int64_t max_bytes_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_INFERENCE_ONCE_LRU_CACHE_H_
