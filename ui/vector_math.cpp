#include "ui/vector_math.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

#include "core/error.h"
#include "core/ops.h"
#include "core/tokenizer.h"

namespace tscope::ui {

Vector tokenNorms(const PanelsRef& wteT) {
    Vector norms(wteT.cols);  // [V]
    for (Eigen::Index p = 0; p < wteT.panelCount(); ++p) {
        const Eigen::Index width = wteT.panelCols(p);
        norms.segment(p * kernels::kPanelCols, width) =
            MatrixMap(wteT.panel(p), wteT.rows, width).colwise().norm().transpose();
    }
    return norms;
}

std::vector<Neighbour> nearestByCosine(const PanelsRef& wteT, const Vector& norms,
                                       const Eigen::Ref<const Vector>& x, int k,
                                       const std::vector<int>& exclude) {
    float xNorm = x.norm();
    if (xNorm == 0 || k <= 0 || wteT.cols == 0) return {};
    // cos(v) = wte[v]·x / (‖wte[v]‖ ‖x‖)   [V]
    Vector dots(wteT.cols);
    ops::linear(Eigen::Map<RowMatrix>(dots.data(), 1, wteT.cols), x.transpose(), wteT);  // [1,V]
    std::unordered_set<int> skip(exclude.begin(), exclude.end());
    std::vector<Neighbour> all;
    all.reserve(size_t(dots.size()));
    for (Eigen::Index v = 0; v < dots.size(); ++v) {
        if (norms[v] == 0 || skip.count(int(v))) continue;
        all.push_back({int(v), dots[v] / (norms[v] * xNorm)});
    }
    size_t n = std::min(all.size(), size_t(k));
    std::partial_sort(all.begin(), all.begin() + ptrdiff_t(n), all.end(),
                      [](const Neighbour& a, const Neighbour& b) {
                          return a.cosine != b.cosine ? a.cosine > b.cosine : a.id < b.id;
                      });
    all.resize(n);
    return all;
}

namespace {

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::vector<int> idsOfWord(const std::string& word, const Tokenizer* tokenizer, int vocabSize) {
    if (word.size() > 1 && word[0] == '#') {
        int id = -1;
        auto [end, ec] = std::from_chars(word.data() + 1, word.data() + word.size(), id);
        if (ec != std::errc() || end != word.data() + word.size() || id < 0 || id >= vocabSize)
            throw Error("\"" + word + "\" is not a token id between 0 and " +
                        std::to_string(vocabSize - 1));
        return {id};
    }
    if (!tokenizer) throw Error("this model has no tokenizer: write token ids as #123");
    // Words inside a sentence start with a space, and GPT-2's vocabulary reflects that.
    std::vector<int> ids = tokenizer->encodeIds(" " + word);
    if (ids.empty()) throw Error("\"" + word + "\" gives no tokens");
    for (int id : ids)
        if (id < 0 || id >= vocabSize)
            throw Error("\"" + word + "\" has token " + std::to_string(id) +
                        ", outside this model's vocabulary");
    return ids;
}

}  // namespace

std::vector<ArithmeticTerm> parseArithmetic(std::string_view text, const Tokenizer* tokenizer,
                                            int vocabSize) {
    // Accept the typographic minus as well as '-'.
    std::string s;
    for (size_t i = 0; i < text.size(); ++i) {
        bool minus = text.compare(i, 3, "\xE2\x88\x92") == 0;  // U+2212
        s += minus ? '-' : text[i];
        if (minus) i += 2;
    }
    std::vector<ArithmeticTerm> terms;
    int sign = +1;
    bool leadingSign = false;
    std::string word;
    auto push = [&] {
        terms.push_back({sign, trim(word), idsOfWord(trim(word), tokenizer, vocabSize)});
        word.clear();
    };
    for (char ch : s) {
        if (ch != '+' && ch != '-') {
            word += ch;
            continue;
        }
        if (!trim(word).empty())
            push();
        else if (!terms.empty() || leadingSign)
            throw Error("two operators in a row");
        else
            leadingSign = true;
        sign = ch == '-' ? -1 : +1;
    }
    if (!trim(word).empty())
        push();
    else if (!terms.empty() || leadingSign)
        throw Error("the expression ends with an operator");
    else
        throw Error("type words joined by + and -, e.g. king - man + woman");
    return terms;
}

Vector evaluateArithmetic(const std::vector<ArithmeticTerm>& terms, const PanelsRef& wteT) {
    Vector sum = Vector::Zero(wteT.rows);
    for (const ArithmeticTerm& term : terms) {
        Vector mean = Vector::Zero(wteT.rows);
        for (int id : term.ids) mean += wteT.col(id);
        sum += float(term.sign) / float(term.ids.size()) * mean;
    }
    return sum;
}

}  // namespace tscope::ui
