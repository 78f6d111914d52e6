#include "core/logit_lens.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.h"
#include "core/ops.h"

namespace tscope {

std::vector<TokenScore> logitLens(const Model& model, const Eigen::Ref<const Vector>& x, int k) {
    const ModelConfig& cfg = model.config;
    const ModelWeights& w = model.weights;
    if (x.size() != cfg.n_embd)
        throw Error("logit lens: the residual vector has " + std::to_string(x.size()) +
                    " values but the model is " + std::to_string(cfg.n_embd) + " wide");
    const Eigen::Index V = cfg.vocab_size;

    RowMatrix h(1, cfg.n_embd);  // [1,C] = ln_f(x)
    ops::layernorm(h, x.transpose(), w.lnf_w.map(), w.lnf_b.map(), cfg.layer_norm_epsilon);
    RowMatrix logits(1, V);  // [1,V] = [1,C] · lm_headᵀ
    ops::linear(logits, h, w.lm_head);
    const Vector probs = ops::softmax(logits.row(0).transpose());  // [V]

    // top-k by logit, ties to the lower id
    std::vector<int> ids(static_cast<size_t>(V));
    std::iota(ids.begin(), ids.end(), 0);
    const auto top = ids.begin() + std::clamp<Eigen::Index>(k, 0, V);
    std::partial_sort(ids.begin(), top, ids.end(), [&](int a, int b) {
        return logits(0, a) > logits(0, b) || (logits(0, a) == logits(0, b) && a < b);
    });
    std::vector<TokenScore> out;
    for (auto it = ids.begin(); it != top; ++it) out.push_back({*it, logits(0, *it), probs(*it)});
    return out;
}

std::vector<TokenScore> logitLens(const Model& model, const Capture& capture, int layer,
                                  LensPoint point, int position, int k) {
    const int layers = capture.layers();
    if (layer < 0 || layer >= layers)
        throw Error("logit lens: layer " + std::to_string(layer) + " does not exist (0 .. " +
                    std::to_string(layers - 1) + ")");
    if (position < 0 || position >= capture.T)
        throw Error("logit lens: position " + std::to_string(position) +
                    " is outside the sequence (0 .. " + std::to_string(capture.T - 1) + ")");
    if (capture.options().level == CaptureLevel::None)
        throw Error(
            "logit lens needs the residual stream: capture at CaptureLevel::Residual "
            "(this capture is CaptureLevel::None)");
    if (!capture.keeps(layer))
        throw Error("logit lens needs the residual stream of layer " + std::to_string(layer) +
                    ", which this capture did not select; add it to CaptureOptions::layers");
    const auto resid =
        point == LensPoint::AfterAttention ? capture.residMid(layer) : capture.residPost(layer);
    return logitLens(model, resid.row(position).transpose(), k);
}

}  // namespace tscope
