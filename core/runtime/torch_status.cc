#include "core/runtime/torch_status.h"

#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "c10/util/Exception.h"
#include "opencv2/core.hpp"

namespace simclr::core {
namespace {

// c10 messages end with a C++ backtrace; users need the first line only.
std::string FirstLine(const char* message) {
  std::string text(message);
  const auto newline = text.find('\n');
  if (newline != std::string::npos) text.resize(newline);
  return text;
}

}  // namespace

absl::Status CurrentExceptionToStatus(absl::string_view what) {
  try {
    throw;
  } catch (const c10::IndexError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", FirstLine(e.what_without_backtrace())));
  } catch (const c10::ValueError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", FirstLine(e.what_without_backtrace())));
  } catch (const c10::Error& e) {
    const std::string message = FirstLine(e.what_without_backtrace());
    if (message.find("out of memory") != std::string::npos) {
      return absl::ResourceExhaustedError(absl::StrCat(what, ": ", message));
    }
    return absl::InternalError(absl::StrCat(what, ": ", message));
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", e.err));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": out of memory"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(what, ": unknown exception"));
  }
}

}  // namespace simclr::core
