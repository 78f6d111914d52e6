// Fuzzes config.json parsing: the input is the file's text. It must parse or throw tscope::Error,
// and a parsed config must satisfy what the forward pass relies on.
#include "core/config.h"
#include "core/error.h"
#include "fuzz_util.h"

using namespace tscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ModelConfig c;
    try {
        c = parseConfig(std::string(fuzz::asText(data, size)), "config.json");
    } catch (const Error&) {
        return 0;
    }
    fuzz::check(c.n_layer > 0 && c.n_head > 0 && c.n_embd > 0 && c.n_positions > 0 &&
                    c.vocab_size > 0 && c.n_inner > 0,
                "a size is not positive");
    fuzz::check(c.n_embd % c.n_head == 0 && c.headDim() > 0, "n_embd not divisible by n_head");
    fuzz::check(c.layer_norm_epsilon > 0.0f && c.layer_norm_epsilon < 1.0f,
                "epsilon outside (0,1)");
    fuzz::check(c.activation == "gelu_new", "unsupported activation accepted");
    return 0;
}
