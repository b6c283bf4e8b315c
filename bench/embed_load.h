// A bounded load generator for the EmbeddingService: `clients` concurrent
// clients, each on its own connection, send single-image requests for a
// fixed time, unary (one request in flight per client) or over one stream
// per client (up to `window` in flight). Loopback only.
#ifndef SIMCLR_BENCH_EMBED_LOAD_H_
#define SIMCLR_BENCH_EMBED_LOAD_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "simclr/v1/embedding.grpc.pb.h"

namespace simclr::bench {

struct LoadResult {
  double seconds = 0;
  int64_t ok = 0, failed = 0;
  std::vector<double> latency_ms;  // of successful requests

  double Percentile(double p) const {
    if (latency_ms.empty()) return 0;
    std::vector<double> sorted = latency_ms;
    std::sort(sorted.begin(), sorted.end());
    const size_t at =
        std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
    return sorted[at];
  }
  double Throughput() const { return seconds > 0 ? ok / seconds : 0; }
};

inline std::unique_ptr<v1::EmbeddingService::Stub> OwnConnection(int port) {
  grpc::ChannelArguments args;
  // A private subchannel pool: each client its own TCP connection, as
  // separate client processes would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::EmbeddingService::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                grpc::InsecureChannelCredentials(), args));
}

using Clock = std::chrono::steady_clock;

inline double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Runs for `seconds` after `warmup_seconds` (not counted).
inline LoadResult RunLoad(int port, const v1::EmbedRequest& request,
                          int clients, bool stream, int window,
                          double warmup_seconds, double seconds) {
  LoadResult total;
  absl::Mutex mu;
  const Clock::time_point start = Clock::now();
  const auto count_from =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(warmup_seconds));
  const auto stop_at = count_from + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto stub = OwnConnection(port);
      LoadResult mine;
      if (!stream) {
        while (Clock::now() < stop_at) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
          v1::EmbedResponse response;
          const auto sent = Clock::now();
          const grpc::Status status = stub->Embed(&context, request, &response);
          if (sent < count_from) continue;
          if (status.ok()) {
            ++mine.ok;
            mine.latency_ms.push_back(Ms(Clock::now() - sent));
          } else {
            ++mine.failed;
          }
        }
      } else {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(600));
        auto call = stub->EmbedStream(&context);
        struct Window {
          std::deque<Clock::time_point> sent;  // send times, in order
          size_t limit = 1;
          bool Open() const { return sent.size() < limit; }
        } in_flight;
        in_flight.limit = static_cast<size_t>(std::max(1, window));
        absl::Mutex window_mu;
        std::thread writer([&] {
          while (Clock::now() < stop_at) {
            {
              absl::MutexLock lock(&window_mu);
              window_mu.Await(absl::Condition(&in_flight, &Window::Open));
              in_flight.sent.push_back(Clock::now());
            }
            if (!call->Write(request)) break;
          }
          call->WritesDone();
        });
        v1::EmbedResponse response;
        while (call->Read(&response)) {
          Clock::time_point sent;
          {
            absl::MutexLock lock(&window_mu);
            sent = in_flight.sent.front();
            in_flight.sent.pop_front();
          }
          if (sent < count_from || sent >= stop_at) continue;
          ++mine.ok;
          mine.latency_ms.push_back(Ms(Clock::now() - sent));
        }
        writer.join();
        if (!call->Finish().ok()) ++mine.failed;
      }
      absl::MutexLock lock(&mu);
      total.ok += mine.ok;
      total.failed += mine.failed;
      total.latency_ms.insert(total.latency_ms.end(), mine.latency_ms.begin(),
                              mine.latency_ms.end());
    });
  }
  for (auto& thread : threads) thread.join();
  total.seconds = seconds;
  return total;
}

}  // namespace simclr::bench

#endif  // SIMCLR_BENCH_EMBED_LOAD_H_
