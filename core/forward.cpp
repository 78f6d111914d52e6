// The forward pass over the new positions [t0, T) of a sequence, on top of the KV cache.
// Each tensor of the new rows is written straight into the capture when the capture keeps it,
// otherwise into scratch, so a fuller capture costs memory but almost no extra time.
#include "core/forward.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/ops.h"

namespace tscope {

namespace {

using Eigen::Index;
using ops::RowsMap;

// Floats of logits scratch per unembedding chunk at level None/Attention (4 MB).
constexpr Index kLogitsChunkFloats = Index(1) << 20;

// threads = 0: OpenMP's default, i.e. OMP_NUM_THREADS when set, else every core. Read once,
// before any ThreadScope has changed a thread's setting.
int defaultThreads() {
    static const int threads = omp_get_max_threads();
    return threads;
}

// Sets the calling thread's OpenMP thread count for one run and restores it afterwards. Eigen's
// GEMM reads the same per-thread setting (omp_get_max_threads) as long as nobody calls the
// global Eigen::setNbThreads, so Forward objects on different threads do not disturb each other.
class ThreadScope {
  public:
    explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) {
        omp_set_num_threads(threads > 0 ? threads : defaultThreads());
    }
    ~ThreadScope() { omp_set_num_threads(saved_); }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

  private:
    int saved_;
};

// n rows of `width` floats, `stride` apart: new rows of a capture buffer or a scratch matrix.
// (An Eigen::Map cannot be re-pointed; this can.)
struct Rows {
    float* data = nullptr;
    Index n = 0, width = 0, stride = 0;
    RowsMap map() const { return RowsMap(data, n, width, Eigen::OuterStride<>(stride)); }
};

// Rows t0 .. t0+n−1 of `buffer`, grown to t0 + n rows.
Rows appendRows(RowBuffer& buffer, Index t0, Index n) {
    buffer.resizeRows(t0 + n);
    auto block = buffer.rowsFrom(t0);  // [n, width]
    return {block.data(), n, block.cols(), block.outerStride()};
}

// Where a tensor of the new rows goes: the capture buffer when it is kept, else scratch.
Rows destination(RowBuffer* kept, RowMatrix& scratch, Index t0, Index n, Index width) {
    if (kept) return appendRows(*kept, t0, n);
    scratch.resize(n, width);
    return {scratch.data(), n, width, width};
}

void shrink(RowBuffer& buffer, Index n) {
    if (buffer.rows() > n) buffer.resizeRows(n);
}
void shrink(SquareBuffer& buffer, Index n) {
    if (buffer.size() > n) buffer.resize(n);
}

std::vector<RowBuffer*> rowBuffers(LayerCapture& c) {
    return {&c.ln1,      &c.q,   &c.k,      &c.v,      &c.headOut, &c.attnOut,
            &c.residMid, &c.ln2, &c.mlpPre, &c.mlpAct, &c.mlpOut,  &c.residPost};
}

// Empty buffers of the right widths for what `options` keeps.
Capture makeCapture(const ModelConfig& cfg, const CaptureOptions& options) {
    Capture c;
    c.options = options;
    const bool attention = options.level != CaptureLevel::None;
    const bool full = options.level == CaptureLevel::Full;
    const Index C = cfg.n_embd, F = cfg.n_inner;
    if (attention)
        for (RowBuffer* b : {&c.tokEmbed, &c.posEmbed, &c.embedSum, &c.lnf}) b->setWidth(C);
    if (full) c.logits.setWidth(cfg.vocab_size);
    c.layers.resize(size_t(cfg.n_layer));
    for (int l = 0; l < cfg.n_layer; ++l) {
        LayerCapture& layer = c.layers[size_t(l)];
        layer.captured = options.wants(l);
        if (!layer.captured) continue;
        layer.scores.assign(size_t(cfg.n_head), SquareBuffer(kNegInf));
        layer.probs.assign(size_t(cfg.n_head), SquareBuffer(0.0f));
        layer.residMid.setWidth(C);
        layer.residPost.setWidth(C);
        if (!full) continue;
        for (RowBuffer* b : rowBuffers(layer)) b->setWidth(C);
        layer.mlpPre.setWidth(F);
        layer.mlpAct.setWidth(F);
    }
    return c;
}

// Merges a chunk's (max, Σexp(x − max)) into a running pair, in double.
void mergeLogSumExp(double& max, double& sum, double chunkMax, double chunkSum) {
    if (chunkMax > max) {
        sum = sum * std::exp(max - chunkMax) + chunkSum;
        max = chunkMax;
    } else {
        sum += chunkSum * std::exp(chunkMax - max);
    }
}

}  // namespace

struct Forward::Impl {
    Impl(const Model& model, const CaptureOptions& options)
        : cfg(model.config), w(model.weights), level(options.level) {
        keys.assign(size_t(cfg.n_layer), RowBuffer(cfg.n_embd));
        values.assign(size_t(cfg.n_layer), RowBuffer(cfg.n_embd));
        lnfRows.setWidth(cfg.n_embd);
    }

    const ModelConfig& cfg;
    const ModelWeights& w;
    CaptureLevel level;
    std::vector<RowBuffer> keys, values;  // n_layer × [T, C], the KV cache (every level)
    RowBuffer lnfRows;  // [T, C] ln_f output when the capture does not keep it (for truncate)
    Vector savedLast;   // [V] logitsLast before an append, restored if it fails

    struct Scratch {  // the new rows of tensors nobody keeps
        RowMatrix tok, pos, x, ln1, qkv, headOut, attnOut, mid, ln2, mlpPre, mlpAct, mlpOut;
        RowMatrix logits;                            // [n, chunk]
        std::vector<std::vector<float>> headScores;  // per thread [n, T]
        std::vector<double> lseMax, lseSum;          // [n]
    } s;

    bool full() const { return level == CaptureLevel::Full; }
    bool keepsResidual() const { return level != CaptureLevel::None; }

    // Runs positions [t0, tokens.size()) and appends them to the cache and the capture.
    void run(Capture& c, std::span<const int> tokens, Index t0, const ProgressFn& progress) {
        const Index n = Index(tokens.size()) - t0;
        Rows x = embed(c, tokens, t0, n);
        for (int l = 0; l < cfg.n_layer; ++l) {
            x = block(l, c, x, t0, n);
            if (progress && !progress(l + 1, cfg.n_layer)) throw Cancelled();
        }
        RowsMap h = appendRows(keepsResidual() ? c.lnf : lnfRows, t0, n).map();  // [n,C]
        ops::layernorm(h, x.map(), w.lnf_w.map(), w.lnf_b.map(), cfg.layer_norm_epsilon);
        unembed(c, h, t0);
        c.T = int(t0 + n);
    }

    // x = wte[token] + wpe[position]
    Rows embed(Capture& c, std::span<const int> tokens, Index t0, Index n) {
        const Index C = cfg.n_embd;
        const bool keep = keepsResidual();
        RowsMap tok = destination(keep ? &c.tokEmbed : nullptr, s.tok, t0, n, C).map();  // [n,C]
        RowsMap pos = destination(keep ? &c.posEmbed : nullptr, s.pos, t0, n, C).map();  // [n,C]
        Rows x = destination(keep ? &c.embedSum : nullptr, s.x, t0, n, C);
        const MatrixMap wte = w.wte.map(), wpe = w.wpe.map();  // [V,C], [n_positions,C]
        for (Index i = 0; i < n; ++i) {
            tok.row(i) = wte.row(tokens[size_t(t0 + i)]);
            pos.row(i) = wpe.row(t0 + i);
        }
        x.map() = tok + pos;  // [n,C]
        return x;
    }

    // x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))  on the new rows; returns where x now lives.
    Rows block(int l, Capture& c, Rows xIn, Index t0, Index n) {
        const LayerWeights& lw = w.layers[size_t(l)];
        LayerCapture* kept = c.layers[size_t(l)].captured ? &c.layers[size_t(l)] : nullptr;
        LayerCapture* all = full() ? kept : nullptr;  // Full level: every tensor of the block
        const Index C = cfg.n_embd, F = cfg.n_inner;
        const float eps = cfg.layer_norm_epsilon;
        auto in = [](LayerCapture* lc, RowBuffer LayerCapture::*field) {
            return lc ? &(lc->*field) : nullptr;
        };
        auto dest = [&](RowBuffer* keptBuffer, RowMatrix& scratch, Index width) {
            return destination(keptBuffer, scratch, t0, n, width).map();
        };

        RowsMap x = xIn.map();                                    // [n,C]
        RowsMap a = dest(in(all, &LayerCapture::ln1), s.ln1, C);  // [n,C]
        ops::layernorm(a, x, lw.ln1_w.map(), lw.ln1_b.map(), eps);
        s.qkv.resize(n, 3 * C);
        ops::linear(s.qkv, a, lw.attn_w.map(), lw.attn_b.map());            // [n,3C] = q | k | v
        appendRows(keys[size_t(l)], t0, n).map() = s.qkv.middleCols(C, C);  // [n,C]
        appendRows(values[size_t(l)], t0, n).map() = s.qkv.middleCols(2 * C, C);  // [n,C]
        if (all) {
            appendRows(all->q, t0, n).map() = s.qkv.leftCols(C);  // [n,C]
            appendRows(all->k, t0, n).map() = s.qkv.middleCols(C, C);
            appendRows(all->v, t0, n).map() = s.qkv.middleCols(2 * C, C);
        }
        // the heads' outputs side by side
        RowsMap y = dest(in(all, &LayerCapture::headOut), s.headOut, C);  // [n,C]
        attention(l, kept, y, t0, n);
        RowsMap attn = dest(in(all, &LayerCapture::attnOut), s.attnOut, C);  // [n,C]
        ops::linear(attn, y, lw.attn_proj_w.map(), lw.attn_proj_b.map());
        RowsMap mid = dest(in(kept, &LayerCapture::residMid), s.mid, C);  // [n,C]
        mid = x + attn;

        RowsMap m = dest(in(all, &LayerCapture::ln2), s.ln2, C);  // [n,C]
        ops::layernorm(m, mid, lw.ln2_w.map(), lw.ln2_b.map(), eps);
        RowsMap pre = dest(in(all, &LayerCapture::mlpPre), s.mlpPre, F);  // [n,F]
        ops::linear(pre, m, lw.fc_w.map(), lw.fc_b.map());
        RowsMap act = dest(in(all, &LayerCapture::mlpAct), s.mlpAct, F);  // [n,F]
        ops::geluNew(act, pre);
        RowsMap mlp = dest(in(all, &LayerCapture::mlpOut), s.mlpOut, C);  // [n,C]
        ops::linear(mlp, act, lw.mlp_proj_w.map(), lw.mlp_proj_b.map());
        // x is dead now, so its scratch may take the output
        Rows post = destination(in(kept, &LayerCapture::residPost), s.x, t0, n, C);
        post.map() = mid + mlp;  // [n,C]
        return post;
    }

    // y [n,C]: every head's output side by side; the heads run in parallel.
    void attention(int l, LayerCapture* kept, RowsMap y, Index t0, Index n) {
        const Index T = t0 + n, D = cfg.headDim();
        const int H = cfg.n_head;
        auto k = keys[size_t(l)].view();    // [T,C]
        auto v = values[size_t(l)].view();  // [T,C]
        if (kept) {
            for (int h = 0; h < H; ++h) {
                kept->scores[size_t(h)].resize(T);
                kept->probs[size_t(h)].resize(T);
            }
        } else {
            s.headScores.resize(size_t(omp_get_max_threads()));
            for (auto& buffer : s.headScores) buffer.resize(size_t(n * T));
        }
#pragma omp parallel for schedule(static)
        for (int h = 0; h < H; ++h) {
            const Index c0 = h * D;
            auto q = s.qkv.middleCols(c0, D);  // [n,D]
            if (kept) {
                ops::attentionHead(y.middleCols(c0, D),
                                   kept->scores[size_t(h)].view().bottomRows(n),
                                   kept->probs[size_t(h)].view().bottomRows(n), q,
                                   k.middleCols(c0, D), v.middleCols(c0, D));
            } else {
                // scores then probabilities in one per-thread buffer
                Eigen::Map<RowMatrix> p(s.headScores[size_t(omp_get_thread_num())].data(), n, T);
                ops::attentionHead(y.middleCols(c0, D), p, p, q, k.middleCols(c0, D),
                                   v.middleCols(c0, D));
            }
        }
    }

    // logits [n,V] = h [n,C] · lm_headᵀ, in vocabulary chunks so that only the Full level ever
    // holds [n,V]; the chunking is the same at every level so every level gets the same numbers.
    // Fills logsumexp of every new row and logitsLast.
    void unembed(Capture& c, const RowsMap& h, Index t0) {
        const Index n = h.rows(), V = cfg.vocab_size;
        const MatrixMap lmHead = w.lm_head.map();  // [V,C]
        c.logsumexp.resize(size_t(t0 + n));
        c.logitsLast.resize(V);
        const Rows all = full() ? appendRows(c.logits, t0, n) : Rows{};  // [n,V] Full only

        if (n == 1) {  // decode: one row, the vocabulary split over the threads
            RowsMap out =
                full() ? all.map() : RowsMap(c.logitsLast.data(), 1, V, Eigen::OuterStride<>(V));
            ops::linearTransposed(out, h, lmHead);  // [1,V]
            ops::logsumexpRows(&c.logsumexp[size_t(t0)], out);
            if (full()) c.logitsLast = out.row(0).transpose();
            return;
        }

        const Index chunk = std::min(V, std::max<Index>(2048, kLogitsChunkFloats / n));
        s.lseMax.assign(size_t(n), -std::numeric_limits<double>::infinity());
        s.lseSum.assign(size_t(n), 0.0);
        if (!full()) s.logits.resize(n, chunk);
        for (Index v0 = 0; v0 < V; v0 += chunk) {
            const Index width = std::min(chunk, V - v0);
            const Rows part = full() ? Rows{all.data + v0, n, width, all.stride}
                                     : Rows{s.logits.data(), n, width, width};
            RowsMap out = part.map();                                     // [n,width]
            ops::linearTransposed(out, h, lmHead.middleRows(v0, width));  // [n,C] · [C,width]
#pragma omp parallel for schedule(static) if (n >= 16)
            for (Index i = 0; i < n; ++i) {
                const float m = out.row(i).maxCoeff();
                const float sum = (out.row(i).array() - m).exp().sum();
                mergeLogSumExp(s.lseMax[size_t(i)], s.lseSum[size_t(i)], m, sum);
            }
            c.logitsLast.segment(v0, width) = out.row(n - 1).transpose();  // [width]
        }
        for (Index i = 0; i < n; ++i)
            c.logsumexp[size_t(t0 + i)] =
                float(s.lseMax[size_t(i)] + std::log(s.lseSum[size_t(i)]));
    }

    // Recomputes logitsLast for the (new) last position after a truncation.
    void refreshLast(Capture& c) {
        if (c.T == 0) {
            c.logitsLast.resize(0);
            return;
        }
        const Index t = c.T - 1;
        if (full()) {
            c.logitsLast = c.logits.row(t).transpose();
            return;
        }
        RowBuffer& lnf = keepsResidual() ? c.lnf : lnfRows;
        c.logitsLast.resize(cfg.vocab_size);
        RowsMap out(c.logitsLast.data(), 1, cfg.vocab_size, Eigen::OuterStride<>(cfg.vocab_size));
        ops::linearTransposed(out, lnf.row(t), w.lm_head.map());  // [1,V] = [1,C] · [C,V]
    }

    // Drops every position from `length` on, in the cache and the capture.
    void truncate(Capture& c, Index length) {
        for (auto& b : keys) shrink(b, length);
        for (auto& b : values) shrink(b, length);
        shrink(lnfRows, length);
        for (RowBuffer* b : {&c.tokEmbed, &c.posEmbed, &c.embedSum, &c.lnf, &c.logits})
            shrink(*b, length);
        for (LayerCapture& layer : c.layers) {
            for (RowBuffer* b : rowBuffers(layer)) shrink(*b, length);
            for (auto& b : layer.scores) shrink(b, length);
            for (auto& b : layer.probs) shrink(b, length);
        }
        if (c.logsumexp.size() > size_t(length)) c.logsumexp.resize(size_t(length));
        c.T = int(std::min<Index>(c.T, length));
    }
};

Forward::Forward(std::shared_ptr<const Model> model, ForwardOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
    if (!model_) throw Error("Forward: no model");
    const ModelConfig& cfg = model_->config;
    for (int layer : options_.capture.layers)
        if (layer < 0 || layer >= cfg.n_layer)
            throw Error("capture options: layer " + std::to_string(layer) +
                        " does not exist (the model has " + std::to_string(cfg.n_layer) +
                        " layers, 0 .. " + std::to_string(cfg.n_layer - 1) + ")");
    if (options_.threads < 0)
        throw Error("forward options: threads must be >= 0 (0 = all cores), got " +
                    std::to_string(options_.threads));
    reset();
}

Forward::~Forward() = default;

void Forward::reset() {
    tokens_.clear();
    capture_ = makeCapture(model_->config, options_.capture);
    impl_ = std::make_unique<Impl>(*model_, options_.capture);
}

void Forward::append(std::span<const int> ids, const ProgressFn& progress) {
    const ModelConfig& cfg = model_->config;
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= cfg.vocab_size)
            throw Error("token id " + std::to_string(ids[i]) + " at position " +
                        std::to_string(tokens_.size() + i) + " is outside the vocabulary (0 .. " +
                        std::to_string(cfg.vocab_size - 1) + ")");
    if (ids.empty()) return;
    ThreadScope threads(options_.threads);
    ops::ComputeScope compute;  // denormals flush to zero on every compute thread

    const size_t total = tokens_.size() + ids.size();
    if (total > size_t(cfg.n_positions)) {
        if (options_.overflow == OverflowPolicy::Refuse)
            throw Error("prompt has " + std::to_string(total) +
                        " tokens but the model's context is " + std::to_string(cfg.n_positions) +
                        "; shorten it or choose truncation from the left");
        // keep the last n_positions tokens and recompute into fresh state, so the old state
        // survives a failure or a cancel
        std::vector<int> kept(tokens_);
        kept.insert(kept.end(), ids.begin(), ids.end());
        kept.erase(kept.begin(), kept.end() - cfg.n_positions);
        Capture capture = makeCapture(cfg, options_.capture);
        auto impl = std::make_unique<Impl>(*model_, options_.capture);
        impl->run(capture, kept, 0, progress);
        tokens_ = std::move(kept);
        capture_ = std::move(capture);
        impl_ = std::move(impl);
        return;
    }

    const Index t0 = Index(tokens_.size());
    impl_->savedLast = capture_.logitsLast;
    tokens_.insert(tokens_.end(), ids.begin(), ids.end());
    try {
        impl_->run(capture_, tokens_, t0, progress);
    } catch (...) {  // Cancelled, bad_alloc: back to the state before the call
        tokens_.resize(size_t(t0));
        impl_->truncate(capture_, t0);
        capture_.logitsLast = impl_->savedLast;
        throw;
    }
}

void Forward::truncate(int length) {
    if (length < 0) throw Error("truncate: length must be >= 0, got " + std::to_string(length));
    if (length >= this->length()) return;
    ThreadScope threads(options_.threads);
    ops::ComputeScope compute;  // denormals flush to zero on every compute thread
    tokens_.resize(size_t(length));
    impl_->truncate(capture_, length);
    impl_->refreshLast(capture_);
}

}  // namespace tscope
