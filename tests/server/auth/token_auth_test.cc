#include "server/auth/token_auth.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseTokensTest, ReadsTokenPrincipalAndRoleWithCommentsAndBlankLines) {
  auto entries = ParseTokens(
      "# operators\n"
      "alice-secret-1 alice\n"
      "\n"
      "  root-secret-22\troot   admin  \n"
      "bob-secret-333 bob@example.org user\n");
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].principal.name, "alice");
  EXPECT_FALSE((*entries)[0].principal.admin);
  EXPECT_EQ((*entries)[1].token, "root-secret-22");
  EXPECT_TRUE((*entries)[1].principal.admin);
  EXPECT_EQ((*entries)[2].principal.name, "bob@example.org");
  EXPECT_FALSE((*entries)[2].principal.admin);
}

TEST(ParseTokensTest, RefusesBadLinesByNumberWithoutQuotingTheToken) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"only-a-token-here\n", "line 1: expected TOKEN PRINCIPAL [ROLE]"},
      {"a b c d\n", "line 1: expected"},
      {"# c\nshort alice\n", "line 2: the token must have 8 to 512 bytes"},
      {std::string(513, 'x') + " alice\n", "line 1: the token must have"},
      {"secret-secret al/ice\n", "line 1: the principal must be"},
      {"secret-secret " + std::string(65, 'a') + "\n", "line 1: the principal must be"},
      {"secret-secret alice root\n", "line 1: the role must be user or admin"},
      {"secret-secret alice\nsecret-secret bob\n", "line 2: this token is already"},
      {"# nothing\n\n", "holds no token"},
  };
  for (const auto& [text, expected] : cases) {
    auto entries = ParseTokens(text);
    EXPECT_THAT(entries, StatusIs(absl::StatusCode::kInvalidArgument,
                                  AllOf(HasSubstr(expected), Not(HasSubstr("secret")),
                                        Not(HasSubstr("only-a-token")))))
        << text;
  }
}

TEST(TokenAuthenticatorTest, ReloadSwapsTheTableAndKeepsItWhenTheFileBreaks) {
  simclr::testing::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  std::ofstream(path) << "alice-secret-1 alice\n";
  auto auth = TokenAuthenticator::Load(path);
  ASSERT_THAT(auth, IsOk());
  Principal who;
  EXPECT_TRUE((*auth)->AuthenticateHeader("Bearer alice-secret-1", true, &who).ok());
  EXPECT_EQ(who.name, "alice");
  EXPECT_EQ((*auth)->AuthenticateHeader("Bearer bob-secret-22", true, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ((*auth)->AuthenticateHeader("alice-secret-1", true, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);  // no "Bearer "
  EXPECT_EQ((*auth)->AuthenticateHeader("", false, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  std::ofstream(path) << "bob-secret-22 bob admin\n";
  ASSERT_THAT((*auth)->Reload(), IsOk());
  EXPECT_EQ((*auth)->AuthenticateHeader("Bearer alice-secret-1", true, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE((*auth)->AuthenticateHeader("Bearer bob-secret-22", true, &who).ok());
  EXPECT_TRUE(who.admin);

  std::ofstream(path) << "broken\n";
  EXPECT_THAT((*auth)->Reload(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("line 1")));
  EXPECT_TRUE((*auth)->AuthenticateHeader("Bearer bob-secret-22", true, &who).ok());
}

TEST(PrincipalTest, OwnersAndAccess) {
  EXPECT_TRUE(IsPrincipalName("a.b_c-d@e"));
  EXPECT_FALSE(IsPrincipalName(""));
  EXPECT_FALSE(IsPrincipalName("a b"));
  EXPECT_FALSE(IsPrincipalName("a/b"));
  const Principal alice{"alice", false};
  EXPECT_TRUE(MayAccess(alice, "alice"));
  EXPECT_FALSE(MayAccess(alice, "bob"));
  EXPECT_FALSE(MayAccess(alice, ""));  // a record from before owners: "local"'s
  EXPECT_TRUE(MayAccess(Principal{"root", true}, "bob"));
  EXPECT_TRUE(MayAccess(LocalPrincipal(), ""));
}

}  // namespace
}  // namespace simclr::server
