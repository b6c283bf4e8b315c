"""A fresh virtual environment (with Debian's system packages: grpcio,
protobuf, numpy, torch) with the simclr SDK installed the way a user
installs it: `pip install ./client/python`, offline."""
import os
import subprocess
import sys


def install_sdk(sdk_dir, venv_dir):
    """Creates venv_dir, pip-installs sdk_dir into it; returns its python."""
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv_dir],
                   check=True, capture_output=True, timeout=120)
    python = os.path.join(venv_dir, "bin", "python")
    installed = subprocess.run([python, "-m", "pip", "install", "--no-index", sdk_dir],
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        raise RuntimeError("pip install %s failed:\n%s%s" % (sdk_dir, installed.stdout,
                                                              installed.stderr))
    return python


def build_wheel(sdk_dir, out_dir):
    """The SDK's wheel, built by its own backend; a path a test may put on
    sys.path (zipimport) to import simclr without installing it."""
    sys.path.insert(0, os.path.join(sdk_dir, "build_backend"))
    try:
        import simclr_build
        return os.path.join(out_dir, simclr_build.build_wheel(out_dir))
    finally:
        sys.path.pop(0)


if __name__ == "__main__":
    print(install_sdk(sys.argv[1], sys.argv[2]))
