#!/usr/bin/env bash
# TransformerScope developer entry point. Two commands do everything on a fresh Debian/Ubuntu:
#   ./dev.sh run    install what is missing, build, launch the app on the bundled default model
#   ./dev.sh test   install what is missing, build, run every test (CTest), then the core and
#                   CLI tests and the fuzz corpora again in a Debug build with assertions and
#                   -fsanitize=address,undefined
# Extra: ./dev.sh asan (tests under -fsanitize=address,undefined), ./dev.sh bench, ./dev.sh format,
#   ./dev.sh fuzz [SECONDS] [HARNESS...]  run the libFuzzer harnesses of tests/fuzz for real
#     (clang, ASan+UBSan, build-fuzz/; default 60 s each, FUZZ_JOBS=2 at a time, at nice 19;
#     logs, grown corpora and crashers under build-fuzz/fuzz-runs/; FUZZ_TIMEOUT per input, s)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(cmake ninja-build g++ pkg-config ccache
          libeigen3-dev nlohmann-json3-dev libpcre2-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev
          qt6-base-dev qt6-svg-dev libqcustomplot-dev libgl-dev
          xvfb xauth clang-format desktop-file-utils appstream clang libclang-rt-dev libomp-dev
          python3-numpy)

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

launcher=()
if command -v ccache >/dev/null; then  # rebuilds and sibling checkouts reuse objects
    export CCACHE_BASEDIR="$PWD"
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

build() {  # build DIR [cmake args...]
    local dir=$1; shift
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)"
}

# One libFuzzer run: grows build-fuzz/fuzz-runs/NAME/corpus from the committed seeds; a crasher
# lands in .../artifacts (minimize it, then commit it to tests/fuzz/corpus/NAME as a regression).
fuzz_one() {  # fuzz_one NAME SECONDS
    local name=$1 seconds=$2 run=build-fuzz/fuzz-runs/$1
    local dict=tests/fuzz/dict/$name.dict dictArg=()
    [ -f "$dict" ] && dictArg=(-dict="$dict")
    mkdir -p "$run/corpus" "$run/artifacts"
    OMP_NUM_THREADS=1 nice -n 19 "build-fuzz/tests/fuzz/fuzz_$name" "$run/corpus" \
        "tests/fuzz/corpus/$name" "${dictArg[@]}" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-60}" \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$run/artifacts/" >"$run/log.txt" 2>&1 &
    echo $! >>"${FUZZ_PIDS_FILE:-/dev/null}"
    echo "fuzz_$name: pid $!, ${seconds}s, log $run/log.txt"
}

fuzz() {  # fuzz SECONDS [HARNESS...]
    local seconds=${1:-60}; shift || true
    local names=("$@")
    [ ${#names[@]} -eq 0 ] && names=($(ls tests/fuzz/*_fuzz.cpp | xargs -n1 basename | sed 's/_fuzz.cpp//'))
    if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then  # FUZZ_SKIP_BUILD=1: run build-fuzz as it is
        cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_COMPILER=clang++ -DTSCOPE_FUZZ=ON -DTSCOPE_GUI=OFF -DTSCOPE_BENCH=OFF \
            "${launcher[@]}" >/dev/null
        cmake --build build-fuzz -j"$(nproc)" --target "${names[@]/#/fuzz_}"
    fi
    local status=0
    for name in "${names[@]}"; do
        fuzz_one "$name" "$seconds"
        while [ "$(jobs -rp | wc -l)" -ge "${FUZZ_JOBS:-2}" ]; do wait -n || status=1; done
    done
    while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || status=1; done
    for name in "${names[@]}"; do
        echo "== $name: $(grep -E '^#[0-9]+.*(DONE|cov:)' "build-fuzz/fuzz-runs/$name/log.txt" | tail -1)"
        ls build-fuzz/fuzz-runs/"$name"/artifacts/ 2>/dev/null | sed 's/^/   finding: /'
    done
    return $status
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
    (cd build && ctest --output-on-failure -j"$(nproc)")
    # the engine again with assertions on (Eigen's included) under address + UB sanitizers
    build build-debug -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
        -DTSCOPE_SANITIZE=ON -DTSCOPE_GUI=OFF -DTSCOPE_BENCH=OFF
    cd build-debug && ctest --output-on-failure -j"$(nproc)" -R '^(core|fuzz)\.'
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
fuzz)
    install_missing
    fuzz "${@:2}"
    ;;
format)
    git ls-files '*.cpp' '*.h' | xargs clang-format -i
    ;;
*)
    echo "usage: ./dev.sh run | test   (also: asan, bench, format, fuzz [SECONDS] [HARNESS...])" >&2
    exit 2
    ;;
esac
