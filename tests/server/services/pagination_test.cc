#include "server/services/pagination.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "simclr/v1/job.pb.h"

namespace simclr::server {
namespace {

std::vector<v1::Job> Jobs(int count, size_t error_bytes = 0) {
  std::vector<v1::Job> jobs(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    jobs[static_cast<size_t>(i)].set_id("job-" + std::to_string(i));
    jobs[static_cast<size_t>(i)].set_error(std::string(error_bytes, 'e'));
  }
  return jobs;
}

struct Page {
  grpc::Status status;
  std::vector<std::string> ids;
  std::string next;
};

Page List(const std::vector<v1::Job>& jobs, int page_size, const std::string& token) {
  Page page;
  page.status = Paginate(
      page_size, token, jobs, "ListJobs",
      [&page](const v1::Job& job) { page.ids.push_back(job.id()); }, &page.next);
  return page;
}

TEST(Paginate, WalksEveryItemOnce) {
  const auto jobs = Jobs(7);
  std::vector<std::string> seen;
  std::string token;
  do {
    Page page = List(jobs, 3, token);
    ASSERT_TRUE(page.status.ok()) << page.status.error_message();
    seen.insert(seen.end(), page.ids.begin(), page.ids.end());
    token = page.next;
  } while (!token.empty());
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.back(), "job-6");
}

TEST(Paginate, HugeTokensNeitherOverflowNorWrap) {
  const auto jobs = Jobs(3);
  // Near INT64_MAX, start + page_size used to wrap into a negative token.
  Page page = List(jobs, 50, "999999999999999999");
  ASSERT_TRUE(page.status.ok());
  EXPECT_TRUE(page.ids.empty());
  EXPECT_EQ(page.next, "");
  for (const std::string& bad : std::vector<std::string>{"99999999999999999999", "-1", "1e3", "abc", " 1",
                                std::string(1000, '1')}) {
    EXPECT_EQ(List(jobs, 50, bad).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }
  EXPECT_EQ(List(jobs, -1, "").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List(jobs, 1001, "").status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(Paginate, StopsBeforeTheByteBudget) {
  // 40 records of 256 KiB: 1000 of them would be 10 MiB, past the limit.
  const auto jobs = Jobs(40, 256 << 10);
  Page page = List(jobs, 1000, "");
  ASSERT_TRUE(page.status.ok());
  EXPECT_EQ(page.ids.size(), 15u);  // 16 × (256 KiB + a few bytes) > 4 MiB
  EXPECT_EQ(page.next, "15");
  EXPECT_EQ(List(jobs, 1000, page.next).ids.front(), "job-15");
}

}  // namespace
}  // namespace simclr::server
