// Tokenizer speed: GPT-2's BPE over ~100 kB of English-like prose. The text is generated from a
// fixed word list with a fixed seed, so every run measures the same input; the tokenizer files
// are the bundled ones, found as the app finds them (override with TSCOPE_TOKENIZER_DIR).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/resources.h"
#include "core/tokenizer.h"

namespace {

// Not __FILE__: under ccache's CCACHE_BASEDIR that is relative to the build directory, so the
// benchmark only found the files when started from there (and aborted elsewhere).
std::optional<std::filesystem::path> tokenizerDir() {
    if (const char* dir = std::getenv("TSCOPE_TOKENIZER_DIR")) return std::filesystem::path(dir);
    return tscope::resources::gpt2TokenizerDir();
}

// Words roughly by frequency: earlier ones are drawn more often (a Zipf-like mix), with some
// rarer and longer words so that BPE does real merging, not only cache look-ups.
constexpr std::string_view kWordList =
    "the of and to a in is that it for as with was on be by this are not from or at "
    "which an but have has they you were their one all we can her there been if more "
    "when will would who so no model attention token layer weights transformer residual "
    "stream embedding probability softmax language prediction sequence context "
    "vocabulary gradient training learned hidden dimension matrix vector output input "
    "position head query key value normalization activation nonlinearity "
    "interpretability visualisation clapper power don't it's we're they'll I'd "
    "Nevertheless Furthermore approximately characteristically Schwarzschild Reykjavík "
    "naïve café";

std::vector<std::string> words() {
    std::vector<std::string> out;
    std::istringstream in{std::string(kWordList)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

class Lcg {
  public:
    explicit Lcg(uint64_t seed) : state_(seed) {}
    uint32_t next() {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return uint32_t(state_ >> 33);
    }

  private:
    uint64_t state_;
};

std::string englishLikeText(size_t bytes) {
    const std::vector<std::string> pool = words();
    Lcg rng(2019);
    std::string text;
    bool sentenceStart = true;
    while (text.size() < bytes) {
        // min of two uniform draws favours the front of the list
        const size_t first = rng.next() % pool.size(), second = rng.next() % pool.size();
        const size_t index = std::min(first, second);
        std::string word = pool[index];
        if (sentenceStart && word[0] >= 'a' && word[0] <= 'z') word[0] = char(word[0] - 32);
        if (!sentenceStart) text += ' ';
        text += word;
        sentenceStart = false;
        const uint32_t r = rng.next() % 100;
        if (r < 6) {
            text += ',';
        } else if (r < 12) {
            text += '.';
            sentenceStart = true;
        } else if (r < 13) {
            text += ' ';
            text += std::to_string(rng.next() % 2000);  // (GCC 12 warns on " " + string)
            text += '.';
            sentenceStart = true;
        } else if (r < 14) {
            text += ".\n\n";
            sentenceStart = true;
            continue;
        }
        if (sentenceStart) text += ' ';
    }
    return text;
}

void BM_Tokenize100kB(benchmark::State& state) {
    const auto dir = tokenizerDir();
    if (!dir) {
        state.SkipWithError("no GPT-2 tokenizer files (set TSCOPE_TOKENIZER_DIR)");
        return;
    }
    std::shared_ptr<const tscope::Tokenizer> tokenizer;
    try {
        tokenizer = tscope::Tokenizer::load(*dir / "vocab.json", *dir / "merges.txt");
    } catch (const tscope::Error& e) {
        state.SkipWithError(e.what());
        return;
    }
    const std::string text = englishLikeText(100 * 1000);
    size_t tokens = 0;
    for (auto _ : state) {
        const std::vector<tscope::Token> encoded = tokenizer->encode(text);
        tokens = encoded.size();
        benchmark::DoNotOptimize(encoded.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
    state.counters["tokens"] = double(tokens);
}
BENCHMARK(BM_Tokenize100kB)->Unit(benchmark::kMillisecond);

}  // namespace
