#include "server/models/model_probe_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/common/utf8.h"

extern char** environ;

namespace simclr::server {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Spawns argv with stdout and stderr to files; the exit status, or -1 when
// it ran past `timeout` (then killed) or could not start.
int RunWithDeadline(std::vector<std::string> argv, const std::string& out,
                    const std::string& err, absl::Duration timeout) {
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // simclrd blocks its termination signals for sigwait; the child must not.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, raw[0], &actions, &attributes, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return -1;
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ModelProber WorkerModelProber(std::string worker_path, absl::Duration timeout) {
  return [worker_path, timeout](const std::string& module, int channels,
                                int size) -> absl::StatusOr<ProbedModel> {
    const std::string out = module + ".probe.out", err = module + ".probe.err";
    const int code = RunWithDeadline(
        {worker_path, "--num_threads=1", "probe-model", "--module", module,
         "--channels", std::to_string(channels), "--size", std::to_string(size)},
        out, err, timeout);
    const std::string answer = ReadAll(out), reason = ReadAll(err);
    std::remove(out.c_str());
    std::remove(err.c_str());
    if (code == -1) {
      return absl::DeadlineExceededError(absl::StrCat(
          "validating the model took longer than ", absl::FormatDuration(timeout)));
    }
    ProbedModel probed;
    long long feature_dim = 0;
    if (code == 0 && std::sscanf(answer.c_str(),
                                 "{\"channels\":%d,\"size\":%d,\"feature_dim\":%lld,\"layers\":%d}",
                                 &probed.channels, &probed.size, &feature_dim,
                                 &probed.layers) == 4) {
      probed.feature_dim = feature_dim;
      return probed;
    }
    // The worker's last line says why; glog lines before it do not matter.
    std::string last(absl::StripTrailingAsciiWhitespace(reason));
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    return absl::InvalidArgumentError(absl::StrCat(
        "not a usable TorchScript encoder: ",
        last.empty() ? absl::StrCat("the validating worker exited ", code)
                     : core::SafeText(last, 2048)));
  };
}

}  // namespace simclr::server
