// GPT-2 tokenizer against golden data produced elsewhere: the fixture files (gpt-3-encoder,
// js-tiktoken and a Python re-implementation agree on them) and extra cases whose ids come from
// models/train/gpt2_bpe.py (Python's `regex`, where \s is Unicode White_Space). For text with
// invalid UTF-8, that script was run on the text decoded with errors="surrogateescape", which
// makes each bad byte an "other" character: the rule core/pretokenizer.h documents.
#include "core/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/byte_unicode.h"
#include "core/error.h"
#include "core/pretokenizer.h"
#include "core/utf8.h"

namespace tscope {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kFixtures = TSCOPE_FIXTURES;
const std::filesystem::path kGpt2Dir =
    std::filesystem::path(TSCOPE_SOURCE_DIR) / "resources" / "gpt2-tokenizer";

json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

const Tokenizer& gpt2() {
    static const auto tokenizer = Tokenizer::load(kGpt2Dir / "vocab.json", kGpt2Dir / "merges.txt");
    return *tokenizer;
}

std::vector<int> idsOf(const std::vector<Token>& tokens) {
    std::vector<int> ids;
    for (const Token& t : tokens) ids.push_back(t.id);
    return ids;
}

// Spans are back to back from 0 to the end, each as long as its token's bytes, and the bytes
// put together are the text again.
void expectSpansCover(const Tokenizer& tokenizer, std::string_view text,
                      const std::vector<Token>& tokens) {
    size_t at = 0;
    std::string joined;
    for (const Token& t : tokens) {
        EXPECT_EQ(t.byteBegin, at);
        const std::string bytes = tokenizer.tokenBytes(t.id);
        EXPECT_EQ(t.byteEnd - t.byteBegin, bytes.size()) << "token " << t.id;
        EXPECT_EQ(text.substr(t.byteBegin, t.byteEnd - t.byteBegin), bytes);
        joined += bytes;
        at = t.byteEnd;
    }
    EXPECT_EQ(at, text.size());
    EXPECT_EQ(joined, text);
}

TEST(Tokenizer, LoadsGpt2Vocabulary) {
    EXPECT_EQ(gpt2().vocabSize(), 50257);
    EXPECT_EQ(gpt2().idOf("Ġpower"), 1176);
    EXPECT_EQ(gpt2().idOf("<|endoftext|>"), kEndOfText);
    EXPECT_EQ(gpt2().idOf("no such token"), -1);
    EXPECT_EQ(gpt2().tokenString(1176), "Ġpower");
    EXPECT_EQ(gpt2().tokenBytes(1176), " power");
    EXPECT_EQ(gpt2().tokenBytes(198), "\n");
    EXPECT_EQ(gpt2().tokenBytes(kEndOfText), "<|endoftext|>");
    EXPECT_TRUE(gpt2().hasId(50256));
    EXPECT_FALSE(gpt2().hasId(50257));
    EXPECT_FALSE(gpt2().hasId(-1));
}

TEST(Tokenizer, ThePowerClapper) {
    const std::vector<Token> tokens = gpt2().encode("The power clapper");
    EXPECT_THAT(idsOf(tokens), ElementsAre(464, 1176, 537, 11463));
    std::vector<std::string> spellings;
    for (const Token& t : tokens) spellings.push_back(gpt2().tokenString(t.id));
    EXPECT_THAT(spellings, ElementsAre("The", "Ġpower", "Ġcl", "apper"));
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[1].byteBegin, 3u);
    EXPECT_EQ(tokens[1].byteEnd, 9u);
    EXPECT_EQ(tokens[3].byteBegin, 12u);
    EXPECT_EQ(tokens[3].byteEnd, 17u);
}

TEST(Tokenizer, GoldenCases) {
    const json cases = readJson(kFixtures / "tokenizer_cases.json");
    ASSERT_EQ(cases.size(), 64u);
    for (const json& c : cases) {
        const std::string text = c["text"];
        SCOPED_TRACE(text);
        const std::vector<Token> tokens = gpt2().encode(text);
        EXPECT_EQ(idsOf(tokens), c["ids"].get<std::vector<int>>());
        std::vector<std::string> spellings;
        for (const Token& t : tokens) spellings.push_back(gpt2().tokenString(t.id));
        EXPECT_EQ(spellings, c["tokens"].get<std::vector<std::string>>());
        expectSpansCover(gpt2(), text, tokens);
        EXPECT_EQ(gpt2().decode(idsOf(tokens)), text);
        EXPECT_EQ(gpt2().encodeIds(text), idsOf(tokens));
    }
}

TEST(Tokenizer, SpecialTokenCases) {
    const json cases = readJson(kFixtures / "tokenizer_special_cases.json");
    ASSERT_FALSE(cases.empty());
    for (const json& c : cases) {
        const std::string text = c["text"];
        SCOPED_TRACE(text);
        const std::vector<Token> special = gpt2().encode(text, /*allowSpecial=*/true);
        EXPECT_EQ(idsOf(special), c["special_ids"].get<std::vector<int>>());
        expectSpansCover(gpt2(), text, special);
        const std::vector<Token> plain = gpt2().encode(text, /*allowSpecial=*/false);
        EXPECT_EQ(idsOf(plain), c["plain_ids"].get<std::vector<int>>());
        expectSpansCover(gpt2(), text, plain);
        EXPECT_EQ(gpt2().encodeIds(text), c["plain_ids"].get<std::vector<int>>());
    }
}

TEST(Tokenizer, DecodeCases) {
    const json cases = readJson(kFixtures / "tokenizer_decode_cases.json");
    ASSERT_FALSE(cases.empty());
    for (const json& c : cases) {
        const std::vector<int> ids = c["ids"];
        SCOPED_TRACE(c.dump());
        EXPECT_EQ(gpt2().decode(ids), c["text"].get<std::string>());
    }
}

TEST(Tokenizer, TokenDisplayReplacesPartialCharacters) {
    EXPECT_EQ(gpt2().tokenDisplay(1176), " power");
    EXPECT_EQ(gpt2().tokenDisplay(19526), "\uFFFD");  // first two bytes of 你
    EXPECT_EQ(gpt2().tokenDisplay(254), "\uFFFD");    // its last byte
    EXPECT_EQ(gpt2().tokenBytes(254), "\xA0");
}

TEST(Tokenizer, UnknownIdsAreErrors) {
    EXPECT_THROW(gpt2().decode({15496, 50257}), Error);
    EXPECT_THROW(gpt2().decode({-1}), Error);
    EXPECT_THROW(gpt2().tokenString(50257), Error);
    EXPECT_THROW(gpt2().tokenBytes(-5), Error);
    EXPECT_THROW(gpt2().tokenDisplay(1 << 30), Error);
}

struct ExtraCase {
    const char* name;
    std::string text;
    std::vector<int> ids;
};

// Ids from models/train/gpt2_bpe.py (see the top of this file).
const std::vector<ExtraCase>& extraCases() {
    static const std::vector<ExtraCase> cases = {
        // U+0085 is White_Space: after two spaces, the whitespace run keeps both spaces...
        {"NEL after two spaces", "a  \u0085x", {64, 220, 220, 126, 227, 87}},
        {"NEL, space, NEL", "\u0085 \u0085a", {126, 227, 220, 126, 227, 64}},
        {"NEL run then word", "Hello\u0085\u0085 world", {15496, 126, 227, 126, 227, 995}},
        // ...while U+FEFF is not: an "other" character that takes the space before it.
        {"BOM after two spaces", "a  \uFEFFx", {64, 220, 27332, 119, 123, 87}},
        {"BOM, space, BOM", "\uFEFF \uFEFFa", {171, 119, 123, 27332, 119, 123, 64}},
        {"BOM between letters", "a\uFEFFb", {64, 171, 119, 123, 65}},
        // PCRE2's own \s would match U+180E; White_Space does not.
        {"Mongolian vowel separator", "a  \u180Ex", {64, 220, 28053, 254, 236, 87}},
        {"zero width space", "a \u200B b", {64, 20126, 275}},
        {"ideographic space", "a\u3000\u3000b", {64, 5099, 222, 5099, 222, 65}},
        {"no-break space", "1\u00A0 2", {16, 1849, 362}},
        {"information separators are not whitespace", "a \x1C\x1F b", {64, 220, 216, 219, 275}},
        {"emoji ZWJ sequences",
         "\U0001F469\u200D\U0001F4BB and "
         "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466!",
         {41840, 102, 447, 235, 8582,  240, 119, 290, 50169, 101, 447, 235,
          41840, 102, 447, 235, 41840, 100, 447, 235, 41840, 99,  0}},
        {"combining marks",
         "e\u0301te\u0301 Z\u0351\u0324a\u035B\u0318l\u0334go",
         {68, 136, 223, 660, 136, 223, 1168, 137, 239, 136,
          97, 64,  137, 249, 136, 246, 75,   136, 112, 2188}},
        {"CJK",
         "你好，世界。日本語のテキスト",
         {19526, 254,   25001, 121,   171, 120,   234, 10310, 244,   45911, 234,
          16764, 33768, 98,    17312, 105, 45739, 252, 5641,  24336, 25084, 43302}},
        {"RTL", "שלום עולם مرحبا بالعالم", {50227, 40010, 27072, 147,   251,   14360, 95,   27072,
                                            40010, 147,   251,   47048, 26897, 148,   255,  39848,
                                            12919, 17550, 101,   23525, 44690, 23525, 25405}},
        {"embedded NUL", std::string("a\0b \0\0 c", 8), {64, 188, 65, 220, 188, 188, 269}},
        {"contractions are case-sensitive",
         "DON'T don't I'M it's y'all '",
         {41173, 6, 51, 836, 470, 314, 6, 44, 340, 338, 331, 6, 439, 705}},
        {"whitespace rule",
         "a  b\n\n  c \t d   ",
         {64, 220, 275, 628, 220, 269, 220, 197, 288, 220, 220, 220}},
        {"digits",
         "2024 \u0661\u0662\u0663 \u2167 \u00B2",
         {1238, 1731, 18923, 94, 149, 95, 149, 96, 2343, 227, 100, 1587, 110}},
        // Invalid UTF-8: each bad byte counts as an "other" character, the bytes are kept.
        {"lone continuation bytes", "x\x80\x80y", {87, 222, 222, 88}},
        {"truncated character", "\xE4\xBD hi", {19526, 23105}},
        {"space before invalid", "a \xFF\xFE b", {64, 220, 187, 186, 275}},
        {"encoded surrogate", "\xED\xA0\x80z", {169, 254, 222, 89}},
        {"overlong", "\xC0\xAF/", {124, 107, 14}},
        {"past U+10FFFF", "\xF4\x90\x80\x80!", {176, 238, 222, 222, 0}},
        {"invalid after spaces", "a   \xFF", {64, 220, 220, 220, 187}},
    };
    return cases;
}

TEST(Tokenizer, ExtraGoldenCases) {
    for (const ExtraCase& c : extraCases()) {
        SCOPED_TRACE(c.name);
        const std::vector<Token> tokens = gpt2().encode(c.text);
        EXPECT_EQ(idsOf(tokens), c.ids);
        expectSpansCover(gpt2(), c.text, tokens);
        EXPECT_EQ(gpt2().decode(c.ids), sanitizeUtf8(c.text));
    }
}

TEST(Tokenizer, SpecialTokenSpanAndNulInSameText) {
    const std::string text("a\0<|endoftext|>\0", 16);
    const std::vector<Token> tokens = gpt2().encode(text, true);
    EXPECT_THAT(idsOf(tokens), ElementsAre(64, 188, kEndOfText, 188));
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[2].byteBegin, 2u);
    EXPECT_EQ(tokens[2].byteEnd, 15u);
    expectSpansCover(gpt2(), text, tokens);
}

TEST(Tokenizer, LongRunOfOneLetter) {
    // 20 kB of 'a' is one piece; GPT-2 spells it with "aaaa" (id 24794), 5000 times.
    const std::string text(20000, 'a');
    const std::vector<Token> tokens = gpt2().encode(text);
    EXPECT_EQ(tokens.size(), 5000u);
    EXPECT_EQ(idsOf(tokens), std::vector<int>(5000, 24794));
    expectSpansCover(gpt2(), text, tokens);
    EXPECT_EQ(gpt2().decode(idsOf(tokens)), text);
}

TEST(Tokenizer, LongRunsOfOtherKinds) {
    std::string abab;
    for (int i = 0; i < 5000; ++i) abab += "ab";
    EXPECT_EQ(gpt2().encodeIds(abab), std::vector<int>(5000, 397));  // "ab", from gpt2_bpe.py
    for (const std::string& text :
         {std::string(30000, ' '), std::string(30000, '\xFF'), std::string(30000, '7'),
          std::string(30000, '!') + "x", std::string(30000, '\0')}) {
        const std::vector<Token> tokens = gpt2().encode(text);
        expectSpansCover(gpt2(), text, tokens);
    }
}

TEST(Tokenizer, SafeFromSeveralThreads) {
    const std::string text = "Hello, world! The power clapper. 你好 \xFF";
    const std::vector<int> expected = gpt2().encodeIds(text);
    std::vector<std::vector<int>> results(4);
    std::vector<std::thread> threads;
    for (auto& result : results) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) result = gpt2().encodeIds(text);
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& result : results) EXPECT_EQ(result, expected);
}

// --- the pre-tokenizer on its own: pieces from Python's regex.findall with GPT-2's pattern

TEST(PreTokenizer, SplitsLikeGpt2Pattern) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"I'm  fine!!\n\n  ok  ", {"I", "'m", " ", " fine", "!!", "\n\n ", " ok", "  "}},
        {"a\u0085\u0085b", {"a", "\u0085", "\u0085", "b"}},
        {"a  \uFEFFb", {"a", " ", " \uFEFF", "b"}},
        {"a  \u180Ex", {"a", " ", " \u180E", "x"}},
        {"  \u3000z", {"  ", "\u3000", "z"}},
        {"don't 'S 3.14\t\t", {"don", "'t", " '", "S", " 3", ".", "14", "\t\t"}},
    };
    const PreTokenizer pretokenizer;
    for (const auto& [text, expected] : cases) {
        SCOPED_TRACE(text);
        std::vector<ByteRange> ranges;
        pretokenizer.split(text, ranges);
        std::vector<std::string> pieces;
        for (const ByteRange& r : ranges) pieces.push_back(text.substr(r.begin, r.end - r.begin));
        EXPECT_EQ(pieces, expected);
    }
}

TEST(PreTokenizer, InvalidBytesAreOtherCharacters) {
    const PreTokenizer pretokenizer;
    const std::string text = "ab \xFF\xC3!  \x80";
    std::vector<ByteRange> ranges;
    pretokenizer.split(text, ranges);
    std::vector<std::string> pieces;
    for (const ByteRange& r : ranges) pieces.push_back(text.substr(r.begin, r.end - r.begin));
    EXPECT_THAT(pieces, ElementsAre("ab", " \xFF\xC3!", " ", " \x80"));
}

// --- UTF-8 helpers and the byte table

TEST(Utf8, SanitizeReplacesEachMaximalInvalidSubsequence) {
    // Expected strings are Python's bytes.decode("utf-8", errors="replace").
    const std::string r = "\uFFFD";
    EXPECT_EQ(sanitizeUtf8(""), "");
    EXPECT_EQ(sanitizeUtf8("plain \u00E9\U0001F600"), "plain \u00E9\U0001F600");
    EXPECT_EQ(sanitizeUtf8("\xE4\xBD"), r);                      // truncated: one
    EXPECT_EQ(sanitizeUtf8("\xE4\xBDx"), r + "x");               // cut short by ASCII
    EXPECT_EQ(sanitizeUtf8("\x80\x80"), r + r);                  // lone continuations
    EXPECT_EQ(sanitizeUtf8("\xC0\xAF"), r + r);                  // overlong lead
    EXPECT_EQ(sanitizeUtf8("\xE0\x80\xAF"), r + r + r);          // overlong 3-byte
    EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80"), r + r + r);          // surrogate
    EXPECT_EQ(sanitizeUtf8("\xF4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
    EXPECT_EQ(sanitizeUtf8("\xF0\x9F\x98"), r);                  // 3 of 4 bytes
    EXPECT_EQ(sanitizeUtf8("\xF0\x9F\x98\xF0\x9F\x98\x80"), r + "\U0001F600");
    EXPECT_EQ(sanitizeUtf8("\xFF\xFE"), r + r);
    EXPECT_EQ(sanitizeUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Utf8, ValidityMatchesTheStandard) {
    EXPECT_TRUE(isValidUtf8("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80"));
    EXPECT_TRUE(isValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(isValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_EQ(firstInvalidUtf8("ok\xED\xA0\x80"), 2u);
    EXPECT_EQ(firstInvalidUtf8("\xC1\xBF"), 0u);
    EXPECT_EQ(firstInvalidUtf8("abc\xF5\x80\x80\x80"), 3u);
    EXPECT_EQ(firstInvalidUtf8("\xE2\x82"), 0u);
}

TEST(ByteUnicode, MatchesGpt2Table) {
    EXPECT_EQ(byteToUnicode(' '), U'Ġ');
    EXPECT_EQ(byteToUnicode('\n'), U'Ċ');
    EXPECT_EQ(byteToUnicode('\t'), U'ĉ');
    EXPECT_EQ(byteToUnicode('A'), U'A');
    EXPECT_EQ(byteToUnicode(0xE9), U'é');
    EXPECT_EQ(byteToUnicode(0x00), U'Ā');
    EXPECT_EQ(byteToUnicode(0xAD), U'Ń');
    EXPECT_EQ(unicodeToByte(U'Ġ'), ' ');
    EXPECT_EQ(unicodeToByte(U' '), -1);
    EXPECT_EQ(unicodeToByte(U'你'), -1);
    EXPECT_EQ(bytesToVocabString(" power"), "Ġpower");
    EXPECT_EQ(vocabStringToBytes("Ġpower"), " power");
    EXPECT_EQ(vocabStringToBytes("a b"), std::nullopt);
    // GPT-2's ids 0..255 are the 256 one-byte tokens, each byte once.
    std::set<std::string> seen;
    for (int id = 0; id < 256; ++id) {
        const std::string bytes = gpt2().tokenBytes(id);
        ASSERT_EQ(bytes.size(), 1u);
        EXPECT_EQ(bytesToVocabString(bytes), gpt2().tokenString(id));
        seen.insert(bytes);
    }
    EXPECT_EQ(seen.size(), 256u);
}

// --- loading small and broken files

class TokenizerFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               ("tscope_tokenizer_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& name, const std::string& contents) {
        const auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << contents;
        return path;
    }
    // The 256 byte tokens (ids 0..255 in byte order) plus `extra` tokens from id 256 on.
    static std::string vocabWith(const std::vector<std::string>& extra) {
        json vocab = json::object();
        for (int b = 0; b < 256; ++b) vocab[bytesToVocabString(std::string(1, char(b)))] = b;
        for (size_t i = 0; i < extra.size(); ++i) vocab[extra[i]] = 256 + int(i);
        return vocab.dump();
    }
    std::string loadError(const std::string& vocab, const std::string& merges) {
        try {
            Tokenizer::load(write("vocab.json", vocab), write("merges.txt", merges));
        } catch (const Error& e) {
            return e.what();
        }
        return "(no error)";
    }

    std::filesystem::path dir_;
};

TEST_F(TokenizerFiles, MergesAllOccurrencesOfTheBestPairInOneStep) {
    // encoder.py's rule, worked by hand (and checked with gpt2_bpe.py): in "abab" both "a b"
    // merge in the same step, so the lower-ranked "ab a" never gets its chance.
    const auto tokenizer = Tokenizer::load(write("vocab.json", vocabWith({"ab", "aba", "aa"})),
                                           write("merges.txt", "#version: 0.2\nab a\na b\na a\n"));
    EXPECT_THAT(tokenizer->encodeIds("abab"), ElementsAre(256, 256));
    EXPECT_THAT(tokenizer->encodeIds("aba"), ElementsAre(257));
    EXPECT_THAT(tokenizer->encodeIds("aaa"), ElementsAre(258, 'a'));  // left to right
    EXPECT_THAT(tokenizer->encodeIds("aaaa"), ElementsAre(258, 258));
    EXPECT_THAT(tokenizer->encodeIds("ab ab"), ElementsAre(256, ' ', 256));
    // No "<|endoftext|>" in this vocabulary: allowing special tokens changes nothing.
    EXPECT_EQ(tokenizer->encodeIds("<|endoftext|>", true), tokenizer->encodeIds("<|endoftext|>"));
}

TEST_F(TokenizerFiles, MergesWithoutHeaderCrlfAndBlankLines) {
    const auto tokenizer = Tokenizer::load(write("vocab.json", vocabWith({"ab", "aba"})),
                                           write("merges.txt", "a b\r\n\r\nab a\r\n"));
    // The first line is a merge here (no "#version" header), so "a b" is kept and ranks first.
    EXPECT_THAT(tokenizer->encodeIds("abab"), ElementsAre(256, 256));
    EXPECT_THAT(tokenizer->encodeIds("aba"), ElementsAre(257));
}

TEST_F(TokenizerFiles, AddedTokenSpellingStandsForItself) {
    const auto tokenizer = Tokenizer::load(write("vocab.json", vocabWith({"<pad token>"})),
                                           write("merges.txt", "#version: 0.2\n"));
    EXPECT_EQ(tokenizer->tokenBytes(256), "<pad token>");
    EXPECT_EQ(tokenizer->vocabSize(), 257);
}

TEST_F(TokenizerFiles, VocabErrorsNameTheFileAndProblem) {
    const std::string merges = "#version: 0.2\n";
    EXPECT_THAT(loadError("{\"a\": 0,", merges), AllOf(HasSubstr("vocab.json"), HasSubstr("JSON")));
    EXPECT_THAT(loadError("", merges), HasSubstr("vocab.json"));
    EXPECT_THAT(loadError("[1, 2]", merges), AllOf(HasSubstr("vocab.json"), HasSubstr("object")));
    EXPECT_THAT(loadError("{}", merges), AllOf(HasSubstr("vocab.json"), HasSubstr("empty")));
    EXPECT_THAT(loadError("{\"a\": \"0\"}", merges), HasSubstr("not an integer"));
    EXPECT_THAT(loadError("{\"a\": 0.5}", merges), HasSubstr("not an integer"));
    EXPECT_THAT(loadError("{\"a\": {\"b\": 1}}", merges), HasSubstr("vocab.json"));
    EXPECT_THAT(loadError("{\"a\": 0, \"b\": 2}", merges),
                AllOf(HasSubstr("vocab.json"), HasSubstr("\"b\" has id 2")));
    EXPECT_THAT(loadError("{\"a\": -1}", merges), HasSubstr("has id -1"));
    EXPECT_THAT(loadError("{\"a\": 99999999999999999999}", merges), HasSubstr("vocab.json"));
    EXPECT_THAT(loadError("{\"a\": 0, \"b\": 0}", merges), HasSubstr("id 0 is used by both"));
    EXPECT_THAT(loadError("{\"a\": 0, \"a\": 1}", merges), HasSubstr("appears twice"));
    EXPECT_THAT(loadError("{\"a\": 0}", merges),
                AllOf(HasSubstr("vocab.json"), HasSubstr("no token for byte")));
    EXPECT_THAT(loadError(std::string(100000, '[') + std::string(100000, ']'), merges),
                HasSubstr("vocab.json"));
    EXPECT_THAT(loadError(std::string(100000, '{'), merges), HasSubstr("vocab.json"));
}

TEST_F(TokenizerFiles, VocabWithInvalidUtf8NamesVocabJson) {
    std::string vocab = vocabWith({"ok"});
    vocab.insert(vocab.size() - 1, ",\"bad\xFF\": 257");
    EXPECT_THAT(loadError(vocab, "#version: 0.2\n"),
                AllOf(HasSubstr("vocab.json"), HasSubstr("UTF-8")));
}

TEST_F(TokenizerFiles, MergesErrorsNameFileLineAndProblem) {
    const std::string vocab = vocabWith({"ab"});
    EXPECT_THAT(loadError(vocab, "#version: 0.2\na b\nab\n"),
                AllOf(HasSubstr("merges.txt:3"), HasSubstr("two tokens")));
    EXPECT_THAT(loadError(vocab, "a b c\n"), HasSubstr("merges.txt:1"));
    EXPECT_THAT(loadError(vocab, "a  b\n"), HasSubstr("merges.txt:1"));
    EXPECT_THAT(loadError(vocab, " a\n"), HasSubstr("merges.txt:1"));
    EXPECT_THAT(loadError(vocab, "#version: 0.2\nb c\n"),
                AllOf(HasSubstr("merges.txt:2"), HasSubstr("merge result \"bc\"")));
    EXPECT_THAT(loadError(vocab, "#version: 0.2\nab zz\n"),
                AllOf(HasSubstr("merges.txt:2"), HasSubstr("token \"zz\"")));
    EXPECT_THAT(loadError(vocab, "#version: 0.2\na b\na b\n"),
                AllOf(HasSubstr("merges.txt:3"), HasSubstr("repeats line 2")));
    EXPECT_THAT(loadError(vocab, "#version: 0.2\na b\n\xC3\n"),
                AllOf(HasSubstr("merges.txt:3"), HasSubstr("UTF-8")));
}

TEST_F(TokenizerFiles, MissingFilesAreErrors) {
    const auto merges = write("merges.txt", "");
    EXPECT_THROW(Tokenizer::load(dir_ / "nope.json", merges), Error);
    EXPECT_THROW(Tokenizer::load(write("vocab.json", vocabWith({})), dir_ / "nope.txt"), Error);
    EXPECT_THROW(Tokenizer::load(dir_, merges), Error);  // a directory, not a file
}

}  // namespace
}  // namespace tscope
