// GPT-2's byte-level BPE, byte for byte: the byte↔unicode table, GPT-2's pre-tokenization regex
// (PCRE2, Unicode properties, \s = Unicode White_Space as in OpenAI's original), merges by rank.
// Every token carries the byte span of the input it covers, so a UI can highlight exactly what
// a token stands for, even part of a UTF-8 character.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tscope {

inline constexpr int kEndOfText = 50256;
inline constexpr std::string_view kEndOfTextString = "<|endoftext|>";

struct Token {
    int id = 0;
    size_t byteBegin = 0;  // [byteBegin, byteEnd) in the encoded text
    size_t byteEnd = 0;
};

class Tokenizer {
  public:
    // Reads vocab.json + merges.txt; throws tscope::Error naming the file and problem
    // (not JSON, not UTF-8, bad merge line, merge producing an unknown token, ...).
    static std::shared_ptr<const Tokenizer> load(const std::filesystem::path& vocabJson,
                                                 const std::filesystem::path& mergesTxt);
    ~Tokenizer();

    // Text is taken as bytes: invalid UTF-8 is encoded byte-wise like GPT-2 does for any input.
    // With allowSpecial, the literal "<|endoftext|>" becomes id 50256; otherwise it is text.
    std::vector<Token> encode(std::string_view text, bool allowSpecial = false) const;
    std::vector<int> encodeIds(std::string_view text, bool allowSpecial = false) const;

    // Invalid UTF-8 runs decode to U+FFFD (one per maximal invalid subsequence).
    std::string decode(const std::vector<int>& ids) const;
    std::string tokenBytes(int id) const;    // the raw bytes this token stands for
    std::string tokenString(int id) const;   // its vocab.json string (e.g. "Ġpower")
    std::string tokenDisplay(int id) const;  // UTF-8 text for display (U+FFFD for partial)
    int vocabSize() const;
    bool hasId(int id) const { return id >= 0 && id < vocabSize(); }
    int idOf(std::string_view vocabString) const;  // -1 if absent

  private:
    Tokenizer();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Decodes bytes as UTF-8, replacing each maximal invalid subsequence with U+FFFD (WHATWG).
std::string sanitizeUtf8(std::string_view bytes);

}  // namespace tscope
