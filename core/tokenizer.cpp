// GPT-2's byte-level BPE (OpenAI's encoder.py): pre-tokenize, map each piece's bytes to their
// one-byte tokens, then repeatedly merge the adjacent pair with the lowest merge rank. Merging
// works on token ids; all occurrences of the best pair are merged left to right in one step, as
// encoder.py does, and a heap keyed by (rank, position) finds the best pair in O(log n).
#include "core/tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>

#include "core/byte_unicode.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/pretokenizer.h"
#include "core/utf8.h"

namespace tscope {

namespace {

struct Merge {
    int rank = 0;  // line order in merges.txt: lower merges first
    int id = 0;    // the token the pair becomes
};

uint64_t pairKey(int left, int right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

// A token a word ends up as: its id and how many bytes of the word it covers.
struct Part {
    int id = 0;
    uint32_t length = 0;
};

// One symbol of a word during BPE, in a doubly linked list; length 0 = merged into its left.
struct Symbol {
    int id = 0;
    int prev = -1;
    int next = -1;
    uint32_t length = 0;
};

// A pair (symbol `left`, its next) that some merge could join; checked again when popped.
struct Candidate {
    int rank = 0;
    int left = 0;
};

// Min-heap order for std::push_heap: lowest rank first, then leftmost.
struct ComesLater {
    bool operator()(const Candidate& a, const Candidate& b) const {
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    }
};

// The working memory of one encode() call, including its word cache (per call: no locking).
struct EncodeState {
    std::unordered_map<std::string_view, std::pair<size_t, size_t>> cache;  // -> [first, count)
    std::vector<Part> parts;  // cached words' tokens, back to back
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
    std::vector<int> batch;
    std::vector<ByteRange> pieces;
};

std::string inQuotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// Lets the spelling -> id map be searched with a string_view, without building a string.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Reads vocab.json as a stream of SAX events, so that anything but a flat object of
// string -> integer is refused before it is built (deeply nested hostile files included).
class VocabReader {
  public:
    using json = nlohmann::json;
    std::vector<std::pair<std::string, int64_t>> entries;  // in file order
    std::string problem;

    bool start_object(size_t) {
        if (depth_++ == 0) return true;
        return fail("the id of token " + inQuotes(key_) + " is an object");
    }
    bool end_object() {
        --depth_;
        return true;
    }
    bool key(std::string& k) {
        key_ = k;
        return true;
    }
    bool number_integer(json::number_integer_t v) { return add(v); }
    bool number_unsigned(json::number_unsigned_t v) {
        return add(v > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v));
    }
    bool number_float(json::number_float_t, const std::string&) { return notAnId("a fraction"); }
    bool string(std::string&) { return notAnId("a string"); }
    bool boolean(bool) { return notAnId("a boolean"); }
    bool null() { return notAnId("null"); }
    bool binary(json::binary_t&) { return notAnId("binary"); }
    bool start_array(size_t) { return notAnId("an array"); }
    bool end_array() { return true; }
    bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception& e) {
        problem = "not valid JSON near byte " + std::to_string(position) + " (" + e.what() + ")";
        return false;
    }

  private:
    int depth_ = 0;
    std::string key_;

    bool add(int64_t id) {
        if (depth_ == 0) return notAnId("a number");
        entries.emplace_back(key_, id);
        return true;
    }
    bool notAnId(const std::string& what) {
        if (depth_ == 0) return fail("expected a JSON object of token string -> id, got " + what);
        return fail("the id of token " + inQuotes(key_) + " is " + what + ", not an integer");
    }
    bool fail(std::string message) {
        problem = std::move(message);
        return false;
    }
};

}  // namespace

struct Tokenizer::Impl {
    std::vector<std::string> spellings;  // id -> vocab.json string, e.g. "Ġpower"
    std::vector<std::string> bytes;      // id -> the bytes it stands for, e.g. " power"
    std::unordered_map<std::string, int, StringHash, std::equal_to<>> idBySpelling;
    std::array<int, 256> byteToken{};  // byte -> its one-byte token
    std::unordered_map<uint64_t, Merge> merges;
    int endOfText = -1;
    PreTokenizer pretokenizer;

    void loadVocab(const std::filesystem::path& path);
    void loadMerges(const std::filesystem::path& path);

    const Merge* findMerge(int left, int right) const {
        const auto it = merges.find(pairKey(left, right));
        return it == merges.end() ? nullptr : &it->second;
    }
    void checkId(int id) const;
    std::span<const Part> encodeWord(std::string_view word, EncodeState& state) const;
    void bpe(std::string_view word, EncodeState& state) const;
    void encodeOrdinary(std::string_view text, size_t begin, size_t end, EncodeState& state,
                        std::vector<Token>& tokens) const;
};

void Tokenizer::Impl::loadVocab(const std::filesystem::path& path) {
    const std::string where = path.string();
    const std::string text = readRegularFile(path, kVocabFile);
    if (const size_t bad = firstInvalidUtf8(text); bad != std::string::npos) {
        throw Error(where + ": not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
    }
    VocabReader reader;
    if (!nlohmann::json::sax_parse(text, &reader)) throw Error(where + ": " + reader.problem);

    const int64_t n = int64_t(reader.entries.size());
    if (n == 0) throw Error(where + ": the vocabulary is empty");
    if (n > INT_MAX) throw Error(where + ": too many tokens");
    spellings.assign(size_t(n), {});
    std::vector<bool> seen(size_t(n), false);
    idBySpelling.reserve(size_t(n));
    for (auto& [spelling, id] : reader.entries) {
        if (id < 0 || id >= n) {
            throw Error(where + ": token " + inQuotes(spelling) + " has id " + std::to_string(id) +
                        ", but the ids of " + std::to_string(n) + " tokens must be 0.." +
                        std::to_string(n - 1));
        }
        if (seen[size_t(id)]) {
            throw Error(where + ": id " + std::to_string(id) + " is used by both " +
                        inQuotes(spellings[size_t(id)]) + " and " + inQuotes(spelling));
        }
        if (!idBySpelling.emplace(spelling, int(id)).second) {
            throw Error(where + ": token " + inQuotes(spelling) + " appears twice");
        }
        seen[size_t(id)] = true;
        spellings[size_t(id)] = std::move(spelling);
    }

    // A spelling outside the byte table (an added token) stands for its own UTF-8 text.
    bytes.reserve(size_t(n));
    for (const std::string& s : spellings) bytes.push_back(vocabStringToBytes(s).value_or(s));
    for (int b = 0; b < 256; ++b) {
        const std::string spelling = bytesToVocabString(std::string(1, char(b)));
        const auto it = idBySpelling.find(spelling);
        if (it == idBySpelling.end()) {
            throw Error(where + ": no token for byte " + std::to_string(b) + " (" +
                        inQuotes(spelling) + "); byte-level BPE needs all 256");
        }
        byteToken[size_t(b)] = it->second;
    }
    const auto eot = idBySpelling.find(std::string(kEndOfTextString));
    endOfText = eot == idBySpelling.end() ? -1 : eot->second;
}

void Tokenizer::Impl::loadMerges(const std::filesystem::path& path) {
    const std::string text = readRegularFile(path, kMergesFile);
    const auto fail = [&](size_t lineNo, const std::string& problem) {
        return Error(path.string() + ":" + std::to_string(lineNo) + ": " + problem);
    };
    if (const size_t bad = firstInvalidUtf8(text); bad != std::string::npos) {
        const auto newlines = std::count(text.begin(), text.begin() + std::ptrdiff_t(bad), '\n');
        throw fail(size_t(newlines) + 1, "not valid UTF-8");
    }
    std::vector<size_t> lineOfRank;
    std::string joined;
    size_t lineNo = 0;
    for (size_t pos = 0; pos < text.size();) {
        const size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || (lineNo == 1 && line.starts_with("#version"))) continue;

        const size_t space = line.find(' ');
        if (space == 0 || space == std::string_view::npos || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string_view::npos) {
            throw fail(lineNo, "expected two tokens separated by one space, got " + inQuotes(line));
        }
        const std::string_view left = line.substr(0, space), right = line.substr(space + 1);
        joined.assign(left).append(right);
        const auto lookUp = [&](std::string_view spelling, const char* what) {
            const auto it = idBySpelling.find(spelling);
            if (it == idBySpelling.end()) {
                throw fail(lineNo, what + inQuotes(spelling) + " is not in the vocabulary");
            }
            return it->second;
        };
        const int leftId = lookUp(left, "token "), rightId = lookUp(right, "token ");
        const int resultId = lookUp(joined, "merge result ");
        if (lineOfRank.size() >= size_t(INT_MAX)) throw fail(lineNo, "too many merges");
        const Merge merge{int(lineOfRank.size()), resultId};
        if (const auto [it, fresh] = merges.emplace(pairKey(leftId, rightId), merge); !fresh) {
            throw fail(lineNo, "merge " + inQuotes(line) + " repeats line " +
                                   std::to_string(lineOfRank[size_t(it->second.rank)]));
        }
        lineOfRank.push_back(lineNo);
    }
}

void Tokenizer::Impl::checkId(int id) const {
    if (id < 0 || size_t(id) >= spellings.size()) {
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                    std::to_string(spellings.size() - 1) + ")");
    }
}

// Leaves the word's tokens at the end of state.parts.
void Tokenizer::Impl::bpe(std::string_view word, EncodeState& state) const {
    if (word.size() > size_t(INT_MAX)) {
        throw Error("tokenizer: a single word of " + std::to_string(word.size()) +
                    " bytes is too long");
    }
    const int n = int(word.size());
    auto& sym = state.symbols;
    sym.resize(size_t(n));
    for (int i = 0; i < n; ++i) {
        sym[size_t(i)] = {byteToken[static_cast<uint8_t>(word[size_t(i)])], i - 1,
                          i + 1 < n ? i + 1 : -1, 1};
    }
    auto& heap = state.heap;
    heap.clear();
    const auto consider = [&](int left) {  // queue (left, its next) if some merge joins them
        const int right = sym[size_t(left)].next;
        if (right < 0) return;
        if (const Merge* m = findMerge(sym[size_t(left)].id, sym[size_t(right)].id)) {
            heap.push_back({m->rank, left});
            std::push_heap(heap.begin(), heap.end(), ComesLater{});
        }
    };
    for (int i = 0; i + 1 < n; ++i) consider(i);

    while (!heap.empty()) {
        // One step of encoder.py: the best pair, every occurrence of it, left to right. Pairs
        // this step creates wait for the next step even if their rank is lower.
        const int rank = heap.front().rank;
        state.batch.clear();
        while (!heap.empty() && heap.front().rank == rank) {
            state.batch.push_back(heap.front().left);
            std::pop_heap(heap.begin(), heap.end(), ComesLater{});
            heap.pop_back();
        }
        for (const int left : state.batch) {
            Symbol& a = sym[size_t(left)];
            if (a.length == 0 || a.next < 0) continue;
            const Merge* m = findMerge(a.id, sym[size_t(a.next)].id);
            if (!m || m->rank != rank) continue;  // stale: a neighbour merged since it was queued
            Symbol& b = sym[size_t(a.next)];
            a.id = m->id;
            a.length += b.length;
            b.length = 0;
            a.next = b.next;
            if (a.next >= 0) sym[size_t(a.next)].prev = left;
            if (a.prev >= 0) consider(a.prev);
            consider(left);
        }
    }
    for (int i = 0; i >= 0; i = sym[size_t(i)].next) {
        state.parts.push_back({sym[size_t(i)].id, sym[size_t(i)].length});
    }
}

std::span<const Part> Tokenizer::Impl::encodeWord(std::string_view word, EncodeState& state) const {
    if (const auto it = state.cache.find(word); it != state.cache.end()) {
        return {state.parts.data() + it->second.first, it->second.second};
    }
    const size_t first = state.parts.size();
    if (word.size() == 1) {
        state.parts.push_back({byteToken[static_cast<uint8_t>(word[0])], 1});
    } else {
        bpe(word, state);
    }
    const size_t count = state.parts.size() - first;
    state.cache.emplace(word, std::pair{first, count});
    return {state.parts.data() + first, count};
}

// Appends the tokens of text[begin, end), which holds no special token.
void Tokenizer::Impl::encodeOrdinary(std::string_view text, size_t begin, size_t end,
                                     EncodeState& state, std::vector<Token>& tokens) const {
    state.pieces.clear();
    pretokenizer.split(text.substr(begin, end - begin), state.pieces);
    for (const ByteRange& piece : state.pieces) {
        size_t at = begin + piece.begin;
        for (const Part& part : encodeWord(text.substr(at, piece.end - piece.begin), state)) {
            tokens.push_back({part.id, at, at + part.length});
            at += part.length;
        }
    }
}

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::load(const std::filesystem::path& vocabJson,
                                                 const std::filesystem::path& mergesTxt) {
    std::shared_ptr<Tokenizer> tokenizer(new Tokenizer());
    tokenizer->impl_->loadVocab(vocabJson);
    tokenizer->impl_->loadMerges(mergesTxt);
    return tokenizer;
}

std::vector<Token> Tokenizer::encode(std::string_view text, bool allowSpecial) const {
    std::vector<Token> tokens;
    tokens.reserve(text.size() / 4 + 1);
    EncodeState state;
    size_t pos = 0;
    if (allowSpecial && impl_->endOfText >= 0) {  // split around the literal, as tiktoken does
        for (size_t at; (at = text.find(kEndOfTextString, pos)) != std::string_view::npos;) {
            impl_->encodeOrdinary(text, pos, at, state, tokens);
            pos = at + kEndOfTextString.size();
            tokens.push_back({impl_->endOfText, at, pos});
        }
    }
    impl_->encodeOrdinary(text, pos, text.size(), state, tokens);
    return tokens;
}

std::vector<int> Tokenizer::encodeIds(std::string_view text, bool allowSpecial) const {
    const std::vector<Token> tokens = encode(text, allowSpecial);
    std::vector<int> ids;
    ids.reserve(tokens.size());
    for (const Token& t : tokens) ids.push_back(t.id);
    return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
    std::string raw;
    for (const int id : ids) {
        impl_->checkId(id);
        raw += impl_->bytes[size_t(id)];
    }
    return sanitizeUtf8(raw);
}

std::string Tokenizer::tokenBytes(int id) const {
    impl_->checkId(id);
    return impl_->bytes[size_t(id)];
}

std::string Tokenizer::tokenString(int id) const {
    impl_->checkId(id);
    return impl_->spellings[size_t(id)];
}

std::string Tokenizer::tokenDisplay(int id) const {
    return sanitizeUtf8(tokenBytes(id));
}

int Tokenizer::vocabSize() const {
    return int(impl_->spellings.size());
}

int Tokenizer::idOf(std::string_view vocabString) const {
    const auto it = impl_->idBySpelling.find(vocabString);
    return it == impl_->idBySpelling.end() ? -1 : it->second;
}

}  // namespace tscope
