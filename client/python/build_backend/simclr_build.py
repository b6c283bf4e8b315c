"""A PEP 517 build backend with no requirements: protoc generates the
simclr.v1 stubs from the repository's proto/ (or $SIMCLR_PROTO_DIR) into
the wheel beside the hand-written package. Standard library only, so that
`pip install ./client/python` works offline, build isolation and all."""
import base64
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import tomllib
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO_DIR = os.environ.get("SIMCLR_PROTO_DIR",
                           os.path.join(HERE, "..", "..", "proto"))


def _project():
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _dist_info_name():
    p = _project()
    return "%s-%s.dist-info" % (p["name"], p["version"])


def _metadata():
    p = _project()
    lines = ["Metadata-Version: 2.1", "Name: " + p["name"], "Version: " + p["version"],
             "Summary: " + p["description"], "Requires-Python: " + p["requires-python"]]
    lines += ["Requires-Dist: " + d for d in p["dependencies"]]
    return "\n".join(lines) + "\n"


def _generate_stubs(out):
    protos = sorted(os.path.join("simclr", "v1", name)
                    for name in os.listdir(os.path.join(PROTO_DIR, "simclr", "v1"))
                    if name.endswith(".proto"))
    plugin = shutil.which("grpc_python_plugin")
    protoc = shutil.which("protoc")
    if plugin is None or protoc is None:
        raise RuntimeError("protoc and grpc_python_plugin are needed (apt install "
                           "protobuf-compiler protobuf-compiler-grpc)")
    subprocess.run([protoc, "-I" + PROTO_DIR, "--python_out=" + out, "--grpc_python_out=" + out,
                    "--plugin=protoc-gen-grpc_python=" + plugin] + protos, check=True)
    open(os.path.join(out, "simclr", "v1", "__init__.py"), "w").close()


def _files():
    """(path in the wheel, bytes) of every file."""
    files = []
    package = os.path.join(HERE, "simclr")
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            with open(os.path.join(package, name), "rb") as f:
                files.append(("simclr/" + name, f.read()))
    with tempfile.TemporaryDirectory() as tmp:
        _generate_stubs(tmp)
        stubs = os.path.join(tmp, "simclr", "v1")
        for name in sorted(os.listdir(stubs)):
            with open(os.path.join(stubs, name), "rb") as f:
                files.append(("simclr/v1/" + name, f.read()))
    return files


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info_name())
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(_metadata())
    return _dist_info_name()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    wheel_name = "%s-%s-py3-none-any.whl" % (p["name"], p["version"])
    info = _dist_info_name()
    files = _files()
    files.append((info + "/METADATA", _metadata().encode()))
    files.append((info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: simclr_build\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "\n".join(_record_line(path, data) for path, data in files)
    record += "\n%s/RECORD,,\n" % info
    files.append((info + "/RECORD", record.encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files:
            wheel.writestr(zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0)), data)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    raise RuntimeError("no sdist: install from the repository (pip install ./client/python)")
