// tscope-bench: Google Benchmark's main, plus the process's peak memory at the end. Benchmarks
// register themselves (engine_bench.cpp, tokenizer_bench.cpp, ui_bench.cpp with the GUI).
// Built with -DTSCOPE_BENCH=ON; not part of the test run.
//   tscope-bench --write-model DIR [SHAPE [STD]]   writes a random GPT-2-shaped model and exits
//   (SHAPE: gpt2, gpt2-medium, gpt2-large, gpt2-xl; STD of the weight matrices, default 0.02)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "app/bench/random_model.h"

namespace {

int writeModel(int argc, char** argv) {
    try {
        tscope::bench::Gpt2Shape shape = tscope::bench::gpt2Shape(argc > 3 ? argv[3] : "gpt2");
        if (argc > 4) shape.std = std::stof(argv[4]);
        tscope::bench::writeRandomGpt2(argv[2], shape);
        std::printf("wrote %s (%lld parameters, std %g) to %s\n", shape.name.c_str(),
                    (long long)shape.parameters(), double(shape.std), argv[2]);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscope-bench: %s\n", e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--write-model") == 0) return writeModel(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr, "peak resident memory: %.1f MB\n", double(usage.ru_maxrss) / 1024.0);
    return 0;
}
