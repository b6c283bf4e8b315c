#!/usr/bin/env bash
# Installs every build, test and demo dependency from Debian 12's apt.
# Idempotent: when everything is present (and BLIS is the selected BLAS) it
# changes nothing and makes no network call.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make time bc git
  # libraries
  libtorch-dev libgloo-dev libblis4-pthread
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libopencv-dev libabsl-dev prometheus-cpp-dev libgtest-dev libgmock-dev
  libgoogle-glog-dev libsqlite3-dev libarchive-dev libcli11-dev zlib1g-dev
  libssl-dev
  # TLS test certificates
  openssl
  # data and interop tests
  dataset-fashion-mnist
  python3-torch python3-torchvision python3-grpcio python3-protobuf python3-sklearn
  python3-numpy python3-pil
  # the Python SDK's test: pip install ./client/python into a fresh venv
  python3-venv python3-pip
  # the real Prometheus server (promtool and scrape tests)
  prometheus
  # deploy/ checks: YAML of the manifests, systemd-analyze verify
  python3-yaml systemd
  # format / lint
  clang-format clang-tidy curl
  # make fuzz, make test-sanitize (libFuzzer and the sanitizer runtimes)
  clang-14 libclang-rt-14-dev
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install_deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# STACK.md pitfalls 1 and 2: OpenBLAS's static TLS breaks civetweb's threads in
# any process that loads LibTorch, and Netlib BLAS is ~25x slower at GEMM.
# BLIS fixes both, so select it explicitly rather than trusting apt's choice.
BLAS_LINK=libblas.so.3-x86_64-linux-gnu
BLIS_PATH=/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3
query=$(update-alternatives --query "$BLAS_LINK" 2>/dev/null || true)
current=$(sed -n 's/^Value: //p' <<<"$query")
mode=$(sed -n 's/^Status: //p' <<<"$query")
# Manual mode too, so a later OpenBLAS install (priority 100) cannot take over.
if [[ "$current" != "$BLIS_PATH" || "$mode" != "manual" ]]; then
  echo "install_deps: selecting BLIS as libblas.so.3 (was: ${current:-none})"
  $SUDO update-alternatives --set "$BLAS_LINK" "$BLIS_PATH"
fi
