#include "server/jobs/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/common/utf8.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"

extern char** environ;

namespace simclr::server {

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& env,
    const std::string& stderr_path, EventCallback on_event, ExitCallback on_exit) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  // The server blocks SIGTERM/SIGINT in every thread (it waits for them
  // with sigwait); the worker must get them.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  for (char** e = environ; *e != nullptr; ++e) environment.push_back(*e);
  for (const auto& e : env) environment.push_back(const_cast<char*>(e.c_str()));
  environment.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv[0].c_str(), &actions, &attributes,
                                args.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (error != 0) {
    close(pipe_fds[0]);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start worker ", argv[0], ": ", std::strerror(error)));
  }
  std::unique_ptr<WorkerProcess> worker(new WorkerProcess());
  worker->pid_ = pid;
  worker->reader_ = std::thread(
      [raw = worker.get(), fd = pipe_fds[0], on_event = std::move(on_event),
       on_exit = std::move(on_exit)] { raw->ReadLoop(fd, on_event, on_exit); });
  return worker;
}

WorkerProcess::~WorkerProcess() {
  if (reader_.joinable()) reader_.join();
}

void WorkerProcess::Signal(int signal_number) {
  if (!reaped_.load()) kill(pid_, signal_number);
}

void WorkerProcess::ReadLoop(int fd, const EventCallback& on_event,
                             const ExitCallback& on_exit) {
  WorkerExit exit;
  {
    google::protobuf::io::FileInputStream input(fd);
    input.SetCloseOnDelete(true);
    while (true) {
      v1::JobEvent event;
      bool clean_eof = false;
      if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(
              &event, &input, &clean_eof)) {
        if (!clean_eof) {
          exit.stream_error = "the worker wrote a malformed event stream";
          kill(pid_, SIGKILL);
        }
        break;
      }
      on_event(std::move(event));
    }
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_.store(true);
  if (WIFSIGNALED(status)) {
    exit.term_signal = WTERMSIG(status);
  } else {
    exit.exit_code = WEXITSTATUS(status);
  }
  on_exit(exit);
}

std::vector<std::string> TailLines(const std::string& path, int lines) {
  // Only the file's end is read, and each line is cut and made UTF-8: a
  // worker's stderr may hold one huge line or bytes that are not text.
  constexpr std::streamoff kTailBytes = 64 << 10;
  constexpr size_t kMaxLineBytes = 512;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kTailBytes));
  std::deque<std::string> tail;
  std::string line;
  if (size > kTailBytes) std::getline(in, line);  // a partial first line
  while (std::getline(in, line)) {
    tail.push_back(core::SafeText(line, kMaxLineBytes));
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  return {tail.begin(), tail.end()};
}

}  // namespace simclr::server
