// Fuzzes session-file parsing (core/session_file.*): the input is the file's text. It must parse or
// throw tscope::Error, what it parsed must satisfy the documented ranges, and saving it must give a
// file that parses back to the same session (format ∘ parse is a fixed point after one round).
#include <cmath>

#include "core/error.h"
#include "core/session_file.h"
#include "fuzz_util.h"

using namespace tscope;

namespace {

void checkRanges(const SessionFile& s) {
    fuzz::check(std::isfinite(s.temperature) && s.temperature >= 0.0f, "temperature out of range");
    fuzz::check(s.topK >= 0, "negative top-k");
    fuzz::check(s.topP > 0.0f && s.topP <= 1.0f, "top-p outside (0, 1]");
    fuzz::check(s.contextCap >= 0, "negative context cap");
    fuzz::check(s.stage >= 1, "stage below 1");
    fuzz::check(s.layer >= 0 && s.head >= 0 && s.position >= 0, "negative selection");
    fuzz::check(s.zoom >= 0.5 && s.zoom <= 4.0, "zoom outside [0.5, 4]");
    for (const SessionToken& t : s.generated) {
        fuzz::check(t.id >= 0, "negative token id");
        fuzz::check(std::isfinite(t.prob) && t.prob >= 0.0f && t.prob <= 1.0f,
                    "token probability outside [0, 1]");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    SessionFile parsed;
    try {
        parsed = parseSessionFile(std::string(fuzz::asText(data, size)), "session.tscope");
    } catch (const Error&) {
        return 0;
    }
    checkRanges(parsed);
    const std::string saved = formatSessionFile(parsed);
    SessionFile reparsed;
    try {
        reparsed = parseSessionFile(saved, "saved.tscope");
    } catch (const Error&) {
        fuzz::check(false, "a saved session does not parse");
    }
    fuzz::check(formatSessionFile(reparsed) == saved, "save -> open -> save changed the session");
    return 0;
}
