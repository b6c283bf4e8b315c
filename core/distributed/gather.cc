#include "core/distributed/gather.h"

#include "torch/torch.h"

namespace simclr::core {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

RankGroup& GroupOf(AutogradContext* ctx) {
  return *reinterpret_cast<RankGroup*>(ctx->saved_data["group"].toInt());
}

class GatherFunction : public torch::autograd::Function<GatherFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& local,
                            int64_t group_address) {
    ctx->saved_data["group"] = group_address;
    ctx->saved_data["rows"] = local.size(0);
    return GroupOf(ctx).AllGather(local);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    RankGroup& group = GroupOf(ctx);
    const int64_t rows = ctx->saved_data["rows"].toInt();
    at::Tensor grad = grads[0].contiguous().clone();
    group.AllReduceSum(grad);
    const int64_t first = group.rank() * rows;
    return {grad.slice(0, first, first + rows), at::Tensor()};
  }
};

}  // namespace

at::Tensor GatherWithGradient(const at::Tensor& local, RankGroup& group) {
  return GatherFunction::apply(local, reinterpret_cast<int64_t>(&group));
}

}  // namespace simclr::core
