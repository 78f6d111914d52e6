#!/usr/bin/env bash
# TransformerScope developer entry point. Two commands do everything on a fresh Debian/Ubuntu:
#   ./dev.sh run    install what is missing, build, launch the app on the bundled default model
#   ./dev.sh test   install what is missing, build, run every test (CTest)
# Extra: ./dev.sh asan (tests under -fsanitize=address,undefined), ./dev.sh bench, ./dev.sh format
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(cmake ninja-build g++ pkg-config ccache
          libeigen3-dev nlohmann-json3-dev libpcre2-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev
          qt6-base-dev qt6-svg-dev libqcustomplot-dev libgl-dev
          xvfb xauth clang-format python3-numpy)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "Installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {  # build DIR [cmake args...]
    local dir=$1; shift
    local launcher=()
    if command -v ccache >/dev/null; then  # rebuilds and sibling checkouts reuse objects
        export CCACHE_BASEDIR="$PWD"
        launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)"
}

case "${1:-}" in
run)
    install_missing
    build build
    shift
    exec ./build/app/tscope "$@"
    ;;
test)
    install_missing
    build build
    cd build && ctest --output-on-failure -j"$(nproc)"
    ;;
asan)
    install_missing
    build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSCOPE_SANITIZE=ON -DTSCOPE_BENCH=OFF
    cd build-asan && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j"$(nproc)"
    ;;
bench)
    install_missing
    build build
    exec ./build/app/tscope-bench "${@:2}"
    ;;
format)
    git ls-files '*.cpp' '*.h' | xargs clang-format -i
    ;;
*)
    echo "usage: ./dev.sh run | test   (also: asan, bench, format)" >&2
    exit 2
    ;;
esac
