#include "core/model.h"

#include "core/error.h"

namespace tscope {

namespace {

namespace fs = std::filesystem;

// fs::exists without throwing on unreadable paths (the open that follows reports those)
bool present(const fs::path& p) {
    std::error_code ignored;
    return fs::exists(p, ignored);
}

fs::path required(const fs::path& directory, const char* name) {
    fs::path file = directory / name;
    if (!present(file))
        throw Error(file.string() + ": missing (a model directory needs config.json and " +
                    "model.safetensors)");
    return file;
}

// vocab.json and merges.txt come as a pair; with neither, the model runs on token ids only.
std::shared_ptr<const Tokenizer> loadTokenizer(const fs::path& directory, const ModelConfig& c) {
    const fs::path vocab = directory / "vocab.json", merges = directory / "merges.txt";
    const bool hasVocab = present(vocab), hasMerges = present(merges);
    if (!hasVocab && !hasMerges) return nullptr;
    if (!hasVocab || !hasMerges)
        throw Error((hasVocab ? merges : vocab).string() + ": missing (the tokenizer needs both " +
                    "vocab.json and merges.txt)");
    std::shared_ptr<const Tokenizer> tokenizer;
    try {
        tokenizer = Tokenizer::load(vocab, merges);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(vocab.string() + ": " + e.what());
    }
    if (tokenizer->vocabSize() > c.vocab_size)
        throw Error(vocab.string() + ": has " + std::to_string(tokenizer->vocabSize()) +
                    " tokens, more than the model's vocab_size " + std::to_string(c.vocab_size));
    return tokenizer;
}

}  // namespace

std::shared_ptr<const Model> loadModel(const fs::path& directory) {
    std::error_code ignored;
    if (!fs::is_directory(directory, ignored))
        throw Error(directory.string() +
                    (present(directory) ? ": not a directory" : ": model directory not found"));
    auto model = std::make_shared<Model>();
    model->directory = directory;
    model->config = loadConfig(required(directory, "config.json"));
    std::shared_ptr<const SafetensorsFile> file =
        SafetensorsFile::open(required(directory, "model.safetensors"));
    model->weights = bindWeights(file, model->config);
    model->tokenizer = loadTokenizer(directory, model->config);
    return model;
}

}  // namespace tscope
