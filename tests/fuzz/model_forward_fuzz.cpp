// Fuzzes a whole model load plus a 3-token forward pass: the input is model.safetensors, next to
// a fixed config.json (tests/fixtures/tiny-gpt2's, shrunk to C = 8, V = 64, 2 layers so that one
// run takes microseconds). Loading must succeed or throw tscope::Error; a loaded model must run
// the forward pass (or refuse with tscope::Error) and give V logits for the last position.
#include <array>

#include "core/error.h"
#include "core/forward.h"
#include "core/model.h"
#include "fuzz_util.h"

using namespace tscope;

namespace {

constexpr int kVocab = 64;
constexpr std::string_view kConfig = R"({
  "activation_function": "gelu_new",
  "architectures": ["GPT2LMHeadModel"],
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_ctx": 8,
  "n_embd": 8,
  "n_head": 2,
  "n_layer": 2,
  "n_positions": 8,
  "vocab_size": 64
})";

void runThreeTokens(std::shared_ptr<const Model> model) {
    ForwardOptions options;
    options.threads = 1;
    Forward f(model, options);
    const std::array<int, 3> ids = {0, 17, kVocab - 1};
    f.append(ids);
    fuzz::check(f.logitsLast().size() == kVocab, "logitsLast is not [V]");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool configWritten = (fuzz::writeScratch("config.json", kConfig), true);
    (void)configWritten;
    fuzz::writeScratch("model.safetensors", fuzz::asText(data, size));
    try {
        runThreeTokens(loadModel(fuzz::scratchDir()));
    } catch (const Error&) {
    }
    return 0;
}
