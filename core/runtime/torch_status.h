// The one boundary where LibTorch and OpenCV exceptions become absl::Status.
//
// Our code throws nothing; LibTorch (c10::Error) and OpenCV (cv::Exception)
// do. Every call into them that can fail on user input goes through
// CallTorch, so a bad tensor shape becomes INVALID_ARGUMENT for one request
// instead of terminating the process.
#ifndef SIMCLR_CORE_RUNTIME_TORCH_STATUS_H_
#define SIMCLR_CORE_RUNTIME_TORCH_STATUS_H_

#include <exception>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::core {

// Converts the exception in flight to a status prefixed by `what`.
// c10 index and value errors become INVALID_ARGUMENT, out-of-memory becomes
// RESOURCE_EXHAUSTED, everything else INTERNAL. Call only inside a catch.
absl::Status CurrentExceptionToStatus(absl::string_view what);

// Runs fn(); returns OK, fn's value, or the converted exception.
template <typename Fn>
auto CallTorch(absl::string_view what, Fn&& fn)
    -> std::conditional_t<std::is_void_v<std::invoke_result_t<Fn>>,
                          absl::Status,
                          absl::StatusOr<std::invoke_result_t<Fn>>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      std::forward<Fn>(fn)();
      return absl::OkStatus();
    } else {
      return std::forward<Fn>(fn)();
    }
  } catch (...) {
    return CurrentExceptionToStatus(what);
  }
}

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_TORCH_STATUS_H_
