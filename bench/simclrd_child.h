// A real simclrd for benchmarks: started from the build tree on a free
// loopback port with its own --data_dir, stopped with SIGTERM.
#ifndef SIMCLR_BENCH_SIMCLRD_CHILD_H_
#define SIMCLR_BENCH_SIMCLRD_CHILD_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace simclr::bench {

class SimclrdChild {
 public:
  // Starts simclrd with data in `dir`/data; port() is 0 if it did not start
  // (its log is `dir`/simclrd.log).
  SimclrdChild(const std::string& dir, std::vector<std::string> extra_flags = {}) {
    const std::string ready = dir + "/ready.json";
    std::vector<std::string> args = {SIMCLRD_PATH, "--port=0", "--metrics_port=-1",
                                     "--data_dir=" + dir + "/data",
                                     "--ready_file=" + ready};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<char*> raw;
    for (auto& a : args) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, (dir + "/simclrd.log").c_str(),
                                     O_WRONLY | O_CREAT, 0644);
    if (posix_spawn(&pid_, SIMCLRD_PATH, &actions, nullptr, raw.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 300 && pid_ > 0 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (FILE* f = std::fopen(ready.c_str(), "r")) {
        if (std::fscanf(f, "{\"grpc_port\": %d, \"metrics_port\": %d", &port_,
                        &metrics_port_) < 1) {
          port_ = 0;
        }
        std::fclose(f);
      }
    }
  }
  ~SimclrdChild() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  // -1 unless started with --metrics_port=0 (or another port).
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }

  // Resident memory of the server now, from /proc (bytes).
  int64_t RssBytes() const { return StatusBytes("VmRSS:"); }
  // The most it has been resident since it started (the kernel's high-water
  // mark, so no peak is missed between samples).
  int64_t PeakRssBytes() const { return StatusBytes("VmHWM:"); }

 private:
  int64_t StatusBytes(const std::string& field) const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    int64_t kb = 0;
    while (status >> key) {
      if (key == field) {
        status >> kb;
        return kb * 1024;
      }
    }
    return 0;
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int metrics_port_ = -1;
};

}  // namespace simclr::bench

#endif  // SIMCLR_BENCH_SIMCLRD_CHILD_H_
