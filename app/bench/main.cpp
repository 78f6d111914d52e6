// tscope-bench: Google Benchmark's main, plus the process's peak memory at the end. Benchmarks
// register themselves (engine_bench.cpp, tokenizer_bench.cpp, ui_bench.cpp with the GUI).
// Built with -DTSCOPE_BENCH=ON; not part of the test run.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr, "peak resident memory: %.1f MB\n", double(usage.ru_maxrss) / 1024.0);
    return 0;
}
