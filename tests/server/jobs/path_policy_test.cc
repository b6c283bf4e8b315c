#include "server/jobs/path_policy.h"

#include <filesystem>
#include <fstream>

#include "core/common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;
using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

class PathPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/allowed";
    fs::create_directories(root_ + "/sub");
    std::ofstream(root_ + "/sub/data.idx") << "x";
    std::ofstream(dir_.path() + "/outside.idx") << "secret bytes";
    fs::create_symlink(dir_.path() + "/outside.idx", root_ + "/escape.idx");
    fs::create_symlink(root_ + "/sub/data.idx", root_ + "/inside_link.idx");
    auto policy = PathPolicy::Create({root_});
    ASSERT_THAT(policy, IsOk());
    policy_ = *std::move(policy);
  }

  // The message with the path taken out: what would tell two paths apart.
  std::string Refusal(const std::string& path) {
    auto resolved = policy_.Resolve("spec.f", path);
    EXPECT_THAT(resolved, StatusIs(absl::StatusCode::kPermissionDenied)) << path;
    std::string message(resolved.status().message());
    const size_t at = message.find(path);
    if (at != std::string::npos) message.replace(at, path.size(), "P");
    return message;
  }

  simclr::testing::TempDir dir_;
  std::string root_;
  PathPolicy policy_;
};

TEST_F(PathPolicyTest, PathsInsideARootResolveSymlinksIncluded) {
  EXPECT_THAT(policy_.Resolve("f", root_ + "/sub/data.idx"), IsOk());
  EXPECT_THAT(policy_.Resolve("f", root_ + "/sub/../sub/data.idx"), IsOk());
  auto linked = policy_.Resolve("f", root_ + "/inside_link.idx");
  ASSERT_THAT(linked, IsOk());
  EXPECT_EQ(*linked, fs::canonical(root_ + "/sub/data.idx").string());
}

TEST_F(PathPolicyTest, OutsideMissingEscapingAndRelativeGetOneAnswer) {
  const std::string outside = Refusal(dir_.path() + "/outside.idx");
  EXPECT_THAT(outside, HasSubstr("spec.f: \"P\" is not an existing path inside"));
  EXPECT_THAT(outside, ::testing::Not(HasSubstr("secret")));
  EXPECT_EQ(Refusal(dir_.path() + "/missing.idx"), outside);
  EXPECT_EQ(Refusal(root_ + "/missing.idx"), outside);
  EXPECT_EQ(Refusal(root_ + "/escape.idx"), outside);
  EXPECT_EQ(Refusal(root_ + "/../outside.idx"), outside);
  EXPECT_EQ(Refusal("allowed/sub/data.idx"), outside);
  EXPECT_EQ(Refusal("/etc/passwd"), outside);
  // A sibling that merely starts with the root's name is outside.
  fs::create_directories(root_ + "2");
  std::ofstream(root_ + "2/x") << "x";
  EXPECT_EQ(Refusal(root_ + "2/x"), outside);
}

TEST_F(PathPolicyTest, WithoutRootsNothingIsAllowed) {
  PathPolicy none;
  auto refused = none.Resolve("spec.f", root_ + "/sub/data.idx");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied,
                                HasSubstr("this server takes no local paths")));
  EXPECT_EQ(core::ErrorField(refused.status()), "spec.f");
}

TEST_F(PathPolicyTest, ApplyChecksAndRewritesEverySpecPath) {
  v1::JobSpec spec;
  auto* train = spec.mutable_pretrain()->mutable_data()->mutable_train()->mutable_local();
  train->set_path(root_ + "/inside_link.idx");
  ASSERT_THAT(policy_.Apply(spec), IsOk());
  EXPECT_EQ(spec.pretrain().data().train().local().path(),
            fs::canonical(root_ + "/sub/data.idx").string());
  spec.mutable_pretrain()->mutable_encoder()->mutable_torchscript()->set_path(
      root_ + "/escape.idx");
  EXPECT_THAT(policy_.Apply(spec),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("spec.pretrain.encoder.torchscript.path")));
  v1::JobSpec eval;
  eval.mutable_linear_eval()->add_subjects()->set_checkpoint_path("/etc");
  EXPECT_THAT(policy_.Apply(eval),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("spec.linear_eval.subjects[0].checkpoint_path")));
}

TEST(PathPolicyCreateTest, RootsMustBeAbsoluteDirectories) {
  EXPECT_THAT(PathPolicy::Create({"relative"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--allow_local_paths")));
  EXPECT_THAT(PathPolicy::Create({"/nonexistent/dir"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(PathPolicy::Create({"/etc/passwd"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace simclr::server
