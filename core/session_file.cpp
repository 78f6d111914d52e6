#include "core/session_file.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/shortest_decimal.h"

namespace tscope {

namespace {

using nlohmann::json;

constexpr const char* kFormatName = "tscope-session";
constexpr int kMaxTokens = 1 << 20;
constexpr int kMaxVocabId = (1 << 24) - 1;
constexpr int kMaxStage = 99;
constexpr int kMaxIndex = 1 << 20;
constexpr size_t kMaxText = 1 << 20;

// Reads one JSON object; every error names the file and the dotted path of the field.
class Reader {
  public:
    Reader(const json& j, std::string file, std::string path)
        : j_(j), file_(std::move(file)), path_(std::move(path)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw Error(file_ + ": field \"" + where(field) + "\" " + what);
    }
    std::string where(const std::string& field) const {
        return path_.empty() ? field : path_ + "." + field;
    }
    bool has(const std::string& field) const { return j_.contains(field); }

    // Unknown fields are typos or files from a newer version: both deserve a clear message.
    void onlyFields(const std::set<std::string>& known) const {
        for (const auto& item : j_.items())
            if (!known.count(item.key())) fail(item.key(), "is not a known field");
    }

    const json& object(const std::string& field) const {
        if (!has(field)) fail(field, "is missing");
        if (!j_[field].is_object()) fail(field, "must be an object, got " + brief(j_[field]));
        return j_[field];
    }
    Reader child(const std::string& field) const { return {object(field), file_, where(field)}; }

    std::string string(const std::string& field, const std::string& fallback,
                       bool required = false) const {
        if (!has(field)) {
            if (required) fail(field, "is missing");
            return fallback;
        }
        const json& v = j_[field];
        if (!v.is_string()) fail(field, "must be a string, got " + brief(v));
        if (v.get_ref<const std::string&>().size() > kMaxText) fail(field, "is too long");
        return v.get<std::string>();
    }

    int64_t integer(const std::string& field, int64_t fallback, int64_t lo, int64_t hi) const {
        if (!has(field)) return fallback;
        const json& v = j_[field];
        if (!v.is_number_integer()) fail(field, "must be an integer, got " + brief(v));
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi)) outOfRange(field, lo, hi);
        const int64_t value = v.get<int64_t>();
        if (value < lo || value > hi) outOfRange(field, lo, hi);
        return value;
    }

    uint64_t unsignedInteger(const std::string& field, uint64_t fallback) const {
        if (!has(field)) return fallback;
        const json& v = j_[field];
        if (!v.is_number_unsigned()) fail(field, "must be an integer ≥ 0, got " + brief(v));
        return v.get<uint64_t>();
    }

    double number(const std::string& field, double fallback, double lo, double hi) const {
        if (!has(field)) return fallback;
        const json& v = j_[field];
        if (!v.is_number()) fail(field, "must be a number, got " + brief(v));
        const double value = v.get<double>();
        if (!std::isfinite(value) || value < lo || value > hi)
            fail(field,
                 "is " + brief(v) + ", outside [" + shortNumber(lo) + ", " + shortNumber(hi) + "]");
        return value;
    }

    bool boolean(const std::string& field, bool fallback) const {
        if (!has(field)) return fallback;
        if (!j_[field].is_boolean()) fail(field, "must be true or false, got " + brief(j_[field]));
        return j_[field].get<bool>();
    }

    const json& array(const std::string& field) const {
        if (!j_[field].is_array()) fail(field, "must be an array, got " + brief(j_[field]));
        if (j_[field].size() > size_t(kMaxTokens)) fail(field, "has too many entries");
        return j_[field];
    }

    const std::string& file() const { return file_; }

  private:
    [[noreturn]] void outOfRange(const std::string& field, int64_t lo, int64_t hi) const {
        fail(field, "is " + brief(j_[field]) + ", outside [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
    }
    static std::string brief(const json& v) {
        std::string text = v.dump();
        return text.size() > 40 ? text.substr(0, 37) + "..." : text;
    }
    static std::string shortNumber(double x) {
        std::ostringstream out;
        out << x;
        return out.str();
    }

    const json& j_;
    std::string file_, path_;
};

bool isSha256(const std::string& text) {
    if (text.size() != 64) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

void readModel(const Reader& r, SessionFile& s) {
    r.onlyFields({"name", "path", "sha256"});
    s.modelName = r.string("name", "");
    s.modelPath = r.string("path", "");
    s.weightsSha256 = r.string("sha256", "");
    if (s.modelName.empty() && s.modelPath.empty())
        r.fail("name", "or \"path\" must name the model");
    if (!s.weightsSha256.empty() && !isSha256(s.weightsSha256))
        r.fail("sha256", "must be 64 lower-case hex digits");
}

void readSampling(const Reader& r, SessionFile& s) {
    r.onlyFields({"temperature", "top_k", "top_p"});
    s.temperature = float(r.number("temperature", 1.0, 0.0, 10.0));
    s.topK = int(r.integer("top_k", 0, 0, kMaxVocabId));
    s.topP = float(r.number("top_p", 1.0, 0.01, 1.0));
}

SessionToken readToken(const Reader& r) {
    r.onlyFields({"id", "forced", "greedy", "prob"});
    if (!r.has("id")) r.fail("id", "is missing");
    SessionToken token;
    token.id = int(r.integer("id", 0, 0, kMaxVocabId));
    token.forced = r.boolean("forced", false);
    token.greedy = r.boolean("greedy", false);
    if (token.forced && token.greedy) r.fail("greedy", "cannot be true for a forced token");
    token.prob = float(r.number("prob", 0.0, 0.0, 1.0));
    return token;
}

void readGenerated(const Reader& r, const json& root, SessionFile& s) {
    if (!root.contains("generated")) return;
    const json& list = r.array("generated");
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = "generated[" + std::to_string(i) + "]";
        if (!list[i].is_object()) r.fail(at, "must be an object with an \"id\"");
        s.generated.push_back(readToken(Reader(list[i], r.file(), at)));
    }
}

void readPresenter(const Reader& r, SessionFile& s) {
    r.onlyFields({"stage", "context_cap", "notes"});
    s.stage = int(r.integer("stage", 1, 1, kMaxStage));
    s.contextCap = int(r.integer("context_cap", 0, 0, kMaxIndex));
    if (!r.has("notes")) return;
    const Reader notes = r.child("notes");
    for (const auto& item : r.object("notes").items()) {
        const std::string& key = item.key();
        const bool digits = !key.empty() && key.size() <= 2 &&
                            key.find_first_not_of("0123456789") == std::string::npos;
        const int stage = digits ? std::stoi(key) : 0;
        if (stage < 1 || stage > kMaxStage) notes.fail(key, "must be a stage number 1 to 99");
        s.notes[stage] = notes.string(key, "");
    }
}

void readSelection(const Reader& r, SessionFile& s) {
    r.onlyFields({"layer", "head", "position"});
    s.layer = int(r.integer("layer", 0, 0, kMaxIndex));
    s.head = int(r.integer("head", 0, 0, kMaxIndex));
    s.position = int(r.integer("position", 0, 0, kMaxIndex));
}

void readView(const Reader& r, SessionFile& s) {
    r.onlyFields({"zoom", "theme"});
    s.zoom = r.number("zoom", 1.0, 0.5, 4.0);
    const std::string theme = r.string("theme", "light");
    if (theme != "light" && theme != "dark") r.fail("theme", "must be \"light\" or \"dark\"");
    s.dark = theme == "dark";
}

}  // namespace

SessionFile parseSessionFile(const std::string& jsonText, const std::string& fileName) {
    json root;
    try {
        root = json::parse(jsonText);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e3082
        throw Error(fileName + ": not valid JSON (" + e.what() + ")");
    }
    if (!root.is_object()) throw Error(fileName + ": a session file must hold a JSON object");
    const Reader r(root, fileName, "");
    r.onlyFields({"format", "version", "model", "prompt", "seed", "sampling", "generated",
                  "presenter", "selection", "view"});
    if (r.string("format", "", true) != kFormatName)
        r.fail("format", std::string("must be \"") + kFormatName + "\"");
    if (!r.has("version")) r.fail("version", "is missing");
    const int64_t version = r.integer("version", 0, 1, 1'000'000);
    if (version > kSessionFormatVersion)
        r.fail("version",
               "is " + std::to_string(version) + ": the file comes from a newer TransformerScope");
    SessionFile s;
    readModel(r.child("model"), s);
    s.prompt = r.string("prompt", "", true);
    s.seed = r.unsignedInteger("seed", 42);
    if (r.has("sampling")) readSampling(r.child("sampling"), s);
    readGenerated(r, root, s);
    if (r.has("presenter")) readPresenter(r.child("presenter"), s);
    if (r.has("selection")) readSelection(r.child("selection"), s);
    if (r.has("view")) readView(r.child("view"), s);
    return s;
}

SessionFile readSessionFile(const std::filesystem::path& path) {
    return parseSessionFile(readRegularFile(path, kSessionFile), path.string());
}

std::string formatSessionFile(const SessionFile& s) {
    json model = json::object();
    if (!s.modelName.empty()) model["name"] = s.modelName;
    if (!s.modelPath.empty()) model["path"] = s.modelPath;
    if (!s.weightsSha256.empty()) model["sha256"] = s.weightsSha256;
    json generated = json::array();
    for (const SessionToken& t : s.generated)
        generated.push_back({{"id", t.id},
                             {"forced", t.forced},
                             {"greedy", t.greedy},
                             {"prob", shortestDecimal(t.prob)}});
    json notes = json::object();
    for (const auto& [stage, text] : s.notes) notes[std::to_string(stage)] = text;
    const json root = {
        {"format", kFormatName},
        {"version", kSessionFormatVersion},
        {"model", model},
        {"prompt", s.prompt},
        {"seed", s.seed},
        {"sampling",
         {{"temperature", shortestDecimal(s.temperature)},
          {"top_k", s.topK},
          {"top_p", shortestDecimal(s.topP)}}},
        {"generated", generated},
        {"presenter", {{"stage", s.stage}, {"context_cap", s.contextCap}, {"notes", notes}}},
        {"selection", {{"layer", s.layer}, {"head", s.head}, {"position", s.position}}},
        {"view", {{"zoom", s.zoom}, {"theme", s.dark ? "dark" : "light"}}},
    };
    return root.dump(2) + "\n";
}

void writeSessionFile(const SessionFile& session, const std::filesystem::path& path) {
    const std::string text = formatSessionFile(session);
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(path.string() + ": cannot write the file");
        out << text;
        if (!out.flush()) throw Error(path.string() + ": write error");
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) throw Error(path.string() + ": cannot write the file (" + ec.message() + ")");
}

}  // namespace tscope
