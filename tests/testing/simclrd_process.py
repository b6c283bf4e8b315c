"""A real simclrd for the Python tests (the twin of simclrd_process.h):
started on free loopback ports with its own --data_dir, ready once its
--ready_file appears (written atomically by simclrd)."""
import json
import os
import subprocess
import time


class Simclrd:
    def __init__(self, binary, work_dir, flags=()):
        ready = os.path.join(work_dir, "ready.json")
        self.log = open(os.path.join(work_dir, "simclrd.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "--port=0", "--metrics_port=0",
             "--data_dir=" + os.path.join(work_dir, "data"), "--ready_file=" + ready,
             *flags],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            if self.process.poll() is not None or time.time() > deadline:
                self.process.kill()
                raise RuntimeError("simclrd did not start:\n" + self.log_text())
            time.sleep(0.02)
        with open(ready) as f:
            ports = json.load(f)
        self.grpc_port, self.metrics_port = ports["grpc_port"], ports["metrics_port"]
        self.address = "127.0.0.1:%d" % self.grpc_port

    def log_text(self):
        """What simclrd wrote to stderr so far (also after stop())."""
        if not self.log.closed:
            self.log.seek(0)
            self.final_log = self.log.read()
        return self.final_log

    def stop(self, timeout=60):
        """SIGTERM; returns the exit code (0 for a clean stop)."""
        if self.process.poll() is None:
            self.process.terminate()
        code = self.process.wait(timeout=timeout)
        self.log_text()
        self.log.close()
        return code
