// GPT-2's pre-tokenization: the regex that cuts text into the pieces BPE then works on, run
// with PCRE2 (UTF + Unicode properties, JIT when available). \s is spelled out as Unicode
// White_Space, as in OpenAI's original; PCRE2's own \s also matches U+180E.
//
// Bytes that are not valid UTF-8 are pre-tokenized as if each maximal invalid subsequence were
// U+FFFD, an "other" character (not a letter, number or space): " \xff!" is one piece like
// " \uFFFD!" would be. BPE then encodes the original bytes. The pieces always cover the whole
// text, in order, so no byte is ever lost.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace tscope {

struct ByteRange {
    size_t begin = 0;  // [begin, end) in the text given to split()
    size_t end = 0;
};

class PreTokenizer {
  public:
    PreTokenizer();  // compiles the pattern; throws tscope::Error if PCRE2 refuses it
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // Appends text's pieces to `pieces`. Safe to call from several threads at once.
    void split(std::string_view text, std::vector<ByteRange>& pieces) const;

    // GPT-2's pattern as given to PCRE2.
    static std::string_view pattern();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tscope
