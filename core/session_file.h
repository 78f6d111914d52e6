// The .tscope session file: a prepared demo (model, prompt, seed, sampling, the generated tokens,
// the presenter's stage and notes, zoom and theme) as JSON. Plain C++ and nlohmann-json, no Qt,
// so it can be fuzzed and used by the CLI. Reading validates every field and throws tscope::Error
// naming the file, the field and the problem; it never returns a half-read session. It does not
// open models or replay tokens: the UI does that with the Session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tscope {

constexpr int kSessionFormatVersion = 1;

struct SessionToken {
    int id = 0;
    bool forced = false;  // chosen by the presenter (what-if) rather than sampled
    float prob = 0;       // probability it had when it was appended (kept by a replay)
    bool greedy = false;  // the argmax step, which draws nothing from the random generator
};

struct SessionFile {
    // the model: a catalogue name ("default") or a directory, and the weights' sha256 (hex)
    std::string modelName;
    std::string modelPath;
    std::string weightsSha256;  // 64 lower-case hex digits, or empty = not checked
    std::string prompt;
    uint64_t seed = 42;
    float temperature = 1.0f;             // ≥ 0
    int topK = 0;                         // 0 = off
    float topP = 1.0f;                    // (0, 1]
    std::vector<SessionToken> generated;  // appended after the prompt, in order
    int contextCap = 0;                   // presenter stops feeding back at this length; 0 = none
    int stage = 1;                        // presenter stage, 1-based
    int layer = 0, head = 0, position = 0;
    double zoom = 1.0;  // [0.5, 4]
    bool dark = false;
    std::map<int, std::string> notes;  // stage (1-based) → the presenter's note
};

// Parses a session from JSON text; `fileName` only names the file in error messages.
SessionFile parseSessionFile(const std::string& jsonText, const std::string& fileName);
// Reads a file through readRegularFile: refuses non-regular files (a FIFO does not block) and
// files over kSessionFile.maxBytes (core/file_io.h).
SessionFile readSessionFile(const std::filesystem::path& path);
// Pretty-printed JSON with every field, readable and diffable.
std::string formatSessionFile(const SessionFile& session);
// Writes atomically enough for a user file (to FILE.tmp, then renamed); throws tscope::Error.
void writeSessionFile(const SessionFile& session, const std::filesystem::path& path);

}  // namespace tscope
