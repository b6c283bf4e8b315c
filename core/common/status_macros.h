// Early-return helpers for absl::Status / absl::StatusOr.
//
// Abseil 20220623 ships neither RETURN_IF_ERROR nor ASSIGN_OR_RETURN, so we
// define them once, here. Both evaluate their argument exactly once.
#ifndef SIMCLR_CORE_COMMON_STATUS_MACROS_H_
#define SIMCLR_CORE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status from the enclosing function if `expr` is not OK.
// `expr` is an absl::Status, or a grpc::Status at the service edge (the
// enclosing function then returns grpc::Status too).
#define SIMCLR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    auto simclr_status_ = (expr);                    \
    if (!simclr_status_.ok()) return simclr_status_; \
  } while (false)

#define SIMCLR_STATUS_CONCAT_INNER_(a, b) a##b
#define SIMCLR_STATUS_CONCAT_(a, b) SIMCLR_STATUS_CONCAT_INNER_(a, b)

// `lhs = value of expr`, or returns its status if it is not OK. `lhs` may
// declare a variable: SIMCLR_ASSIGN_OR_RETURN(auto x, MakeX());
#define SIMCLR_ASSIGN_OR_RETURN(lhs, expr) \
  SIMCLR_ASSIGN_OR_RETURN_IMPL_(           \
      SIMCLR_STATUS_CONCAT_(simclr_statusor_, __LINE__), lhs, expr)

#define SIMCLR_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // SIMCLR_CORE_COMMON_STATUS_MACROS_H_
