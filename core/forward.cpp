// The forward pass over the new positions [t0, T) of a sequence, on top of the KV cache.
// Each tensor of the new rows is written straight into the activation store when the store keeps
// it, otherwise into scratch; only the last position is unembedded unless every position's
// logsumexp is asked for.
#include "core/forward.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>

#include "core/cpu_load.h"
#include "core/error.h"
#include "core/kernels/team_barrier.h"
#include "core/memory_hints.h"

namespace tscope {

namespace {

using Eigen::Index;
using ops::RowsMap;

// Floats of logits scratch per unembedding chunk when every position is unembedded (4 MB).
constexpr Index kLogitsChunkFloats = Index(1) << 20;

// threads = 0: OpenMP's default, i.e. OMP_NUM_THREADS when set, else every core. Read once,
// before any ThreadScope has changed a thread's setting.
int defaultThreads() {
    static const int threads = omp_get_max_threads();
    return threads;
}

// The calling thread's OpenMP thread count for one run (ops::ThreadCountScope), so Forward
// objects on different threads do not disturb each other. threads = 0: the default count, less
// the cores other processes keep busy (cpu_load.h). No result depends on the count
// (forward_test: ResultsDoNotDependOnTheThreadCount).
class ThreadScope {
  public:
    explicit ThreadScope(int threads)
        : pass_(threads == 0 ? std::make_optional<PassThreads>(defaultThreads()) : std::nullopt),
          count_(pass_ ? pass_->count() : threads) {}

  private:
    std::optional<PassThreads> pass_;  // threads = 0 only
    ops::ThreadCountScope count_;
};

// n rows of `width` floats, `stride` apart: new rows of a store or a scratch matrix.
// (An Eigen::Map cannot be re-pointed; this can.)
struct Rows {
    float* data = nullptr;
    Index n = 0, width = 0, stride = 0;
    RowsMap map() const { return RowsMap(data, n, width, Eigen::OuterStride<>(stride)); }
};

// Resizes a scratch matrix. A new allocation is asked for huge pages where it spans whole ones:
// the first prefill at T = 1024 writes ~65 MB of new scratch, which otherwise faults in 4 KiB at a
// time (memory_hints.h).
void resizeScratch(RowMatrix& m, Index rows, Index cols) {
    const float* before = m.data();
    m.resize(rows, cols);
    if (m.data() != before) memory::adviseHugePages(m.data(), size_t(m.size()) * sizeof(float));
}

// Where a tensor of the new rows goes: the store when it keeps it, else scratch.
Rows destination(RowStore& store, RowMatrix& scratch, Index t0, Index n, Index width) {
    if (!store.empty()) return {store.rows(t0, n).data(), n, width, width};
    resizeScratch(scratch, n, width);
    return {scratch.data(), n, width, width};
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
    Impl(const Model& model, const ForwardHooks& hooks)
        : cfg(model.config), w(model.weights), hooks(hooks) {}

    const ModelConfig& cfg;
    const ModelWeights& w;
    const ForwardHooks& hooks;

    struct Scratch {  // the new rows of tensors the store does not keep
        RowMatrix x, ln1, qkv, headOut, attnOut, mid, ln2, mlpPre, mlpAct, mlpOut, lnf;
        RowMatrix logits;  // [n, chunk]
        // per thread [n, T]; Eigen-aligned, since row reductions peel to alignment and a
        // malloc'd buffer would make the same run give other bits from run to run
        std::vector<RowMatrix> headScores;
        std::vector<double> lseMax, lseSum;  // [n]
    } s;

    // Runs positions [t0, tokens.size()) into `store`; returns the logits after the last one.
    Vector run(ActivationStore& store, std::span<const int> tokens, Index t0,
               const ProgressFn& progress) {
        const Index n = Index(tokens.size()) - t0;
        if (n == 1 && store.logsumexp.empty() && !hooks.residualIn && !hooks.headOutputs &&
            !hooks.mlpActivations && !hooks.attentionProbs)
            return runRow(store, tokens, t0, progress);
        Rows x = embed(tokens, t0, n);
        for (int l = 0; l < cfg.n_layer; ++l) {
            x = block(l, store.layers[size_t(l)], x, t0, n);
            if (progress && !progress(l + 1, cfg.n_layer)) throw Cancelled();
        }
        resizeScratch(s.lnf, n, cfg.n_embd);
        ops::layernorm(s.lnf, x.map(), w.lnf_w.map(), w.lnf_b.map(), cfg.layer_norm_epsilon);
        if (!store.logsumexp.empty()) return unembedAll(store, s.lnf, t0);
        return unembedRow(s.lnf.bottomRows(1));
    }

    // Where a decode step's rows go, per layer, fixed before its parallel region (nothing
    // allocates inside it), and how its threads meet.
    struct RowStep {
        Index t0 = 0;                   // the new position
        std::vector<Rows> mids, posts;  // x + attn, and the block's output
        std::vector<float*> q, k, v;    // the new row of each store (q: null when not kept)
        kernels::TeamBarrier barrier;
    };

    // One new position (a decode step) in one parallel region: each thread computes its part of
    // every product and the columns after it (bias, KV copy, residual add, GELU), and the small
    // row-wise work (layernorm) redundantly on a copy of its own, so the threads meet only where a
    // product needs all of the previous one's columns: 5 barriers per layer and no fork/join
    // (an OpenMP region per product cost ~4 % of a step, see team_barrier.h). A thread that
    // waits at a barrier fetches the first rows of its part of the next product meanwhile
    // (kernels::PanelPrefetch). The same arithmetic as block(), so the same bits
    // (decode_step_test).
    Vector runRow(ActivationStore& store, std::span<const int> tokens, Index t0,
                  const ProgressFn& progress) {
        const Index C = cfg.n_embd;
        const int L = cfg.n_layer;
        Rows x = embed(tokens, t0, 1);
        RowStep step;
        step.t0 = t0;
        for (int l = 0; l < L; ++l) {
            LayerStore& kept = store.layers[size_t(l)];
            step.mids.push_back(destination(kept.residMid, s.mid, t0, 1, C));
            step.posts.push_back(destination(kept.residPost, s.x, t0, 1, C));
            step.q.push_back(kept.q.empty() ? nullptr : kept.q.rows(t0, 1).data());
            step.k.push_back(kept.k.rows(t0, 1).data());
            step.v.push_back(kept.v.rows(t0, 1).data());
        }
        const int threads = omp_get_max_threads();
        resizeRowScratch(threads, t0 + 1);
        Vector logits(cfg.vocab_size);
        std::atomic<bool> cancelled{false};
        std::exception_ptr failure;  // from progress, rethrown after the region
#pragma omp parallel num_threads(threads)
        {
            const int part = omp_get_thread_num(), parts = omp_get_num_threads();
            RowsMap a(s.ln1.row(part).data(), 1, C, Eigen::OuterStride<>(C));  // [1,C] own
            const float* residual = x.data;                                    // [C]
            for (int l = 0; l < L && !cancelled.load(std::memory_order_relaxed); ++l) {
                residual = blockRow(l, store.layers[size_t(l)], step, residual, a, part, parts);
                // every thread reads `cancelled` after this barrier: all stop at the same layer
                if (part == 0 && progress) keepGoing(progress, l + 1, L, cancelled, failure);
                const PanelsRef& next = l + 1 < L ? w.layers[size_t(l + 1)].attn_w : w.lm_head;
                step.barrier.arriveAndWait(parts, ops::prefetchRowPart(next, part, parts));
            }
            if (!cancelled) {
                ops::layernorm(a, Eigen::Map<const RowMatrix>(residual, 1, C), w.lnf_w.map(),
                               w.lnf_b.map(), cfg.layer_norm_epsilon);
                ops::linearRowPart(logits.data(), a.data(), w.lm_head, nullptr, part, parts);
            }
        }
        if (failure) std::rethrow_exception(failure);
        if (cancelled) throw Cancelled();
        return logits;
    }

    // The scratch of a decode step at T positions for `threads` threads.
    void resizeRowScratch(int threads, Index T) {
        const Index C = cfg.n_embd, F = cfg.n_inner;
        resizeScratch(s.qkv, 1, 3 * C);
        resizeScratch(s.headOut, 1, C);
        resizeScratch(s.attnOut, 1, C);
        resizeScratch(s.mlpPre, 1, F);
        resizeScratch(s.mlpAct, 1, F);
        resizeScratch(s.mlpOut, 1, C);
        resizeScratch(s.ln1, threads, C);  // one row per thread: its own layernorm output
        s.headScores.resize(size_t(threads));
        for (RowMatrix& buffer : s.headScores) resizeScratch(buffer, 1, T);
    }

    // Thread `part` of `parts`' share of block l at the new position, residual [C] its input;
    // returns where the output goes (complete once every thread has passed the next barrier). a
    // [1,C]: the thread's own layernorm output.
    const float* blockRow(int l, const LayerStore& kept, RowStep& step, const float* residual,
                          RowsMap a, int part, int parts) {
        const LayerWeights& lw = w.layers[size_t(l)];
        const Index C = cfg.n_embd, D = cfg.headDim(), T = step.t0 + 1;
        const int H = cfg.n_head;
        const float eps = cfg.layer_norm_epsilon;
        ops::layernorm(a, Eigen::Map<const RowMatrix>(residual, 1, C), lw.ln1_w.map(),
                       lw.ln1_b.map(), eps);
        const ops::Columns qkv = ops::linearRowPart(s.qkv.data(), a.data(), lw.attn_w,
                                                    lw.attn_b.data, part, parts);  // q | k | v
        copyColumns(step.q[size_t(l)], qkv, 0);
        copyColumns(step.k[size_t(l)], qkv, C);
        copyColumns(step.v[size_t(l)], qkv, 2 * C);
        // while waiting here and after the attention, the first rows of the projection's panels
        kernels::PanelPrefetch projection = ops::prefetchRowPart(lw.attn_proj_w, part, parts);
        step.barrier.arriveAndWait(parts, projection);

        RowMatrix& p = s.headScores[size_t(part)];  // [1,T]
        for (int h = H * part / parts; h < H * (part + 1) / parts; ++h)
            ops::attentionHead(s.headOut.middleCols(h * D, D), p, p, s.qkv.middleCols(h * D, D),
                               kept.k.top(T).middleCols(h * D, D),
                               kept.v.top(T).middleCols(h * D, D));
        step.barrier.arriveAndWait(parts, projection);

        const ops::Columns proj = ops::linearRowPart(
            s.attnOut.data(), s.headOut.data(), lw.attn_proj_w, lw.attn_proj_b.data, part, parts);
        float* mid = step.mids[size_t(l)].data;  // [C] x + attn
        for (Index c = proj.begin; c < proj.end; ++c) mid[c] = residual[c] + s.attnOut(0, c);
        step.barrier.arriveAndWait(parts, ops::prefetchRowPart(lw.fc_w, part, parts));

        ops::layernorm(a, Eigen::Map<const RowMatrix>(mid, 1, C), lw.ln2_w.map(), lw.ln2_b.map(),
                       eps);
        const ops::Columns fc =
            ops::linearRowPart(s.mlpPre.data(), a.data(), lw.fc_w, lw.fc_b.data, part, parts);
        const Index width = fc.end - fc.begin;
        ops::geluNew(s.mlpAct.middleCols(fc.begin, width), s.mlpPre.middleCols(fc.begin, width));
        step.barrier.arriveAndWait(parts, ops::prefetchRowPart(lw.mlp_proj_w, part, parts));

        const ops::Columns out = ops::linearRowPart(s.mlpOut.data(), s.mlpAct.data(), lw.mlp_proj_w,
                                                    lw.mlp_proj_b.data, part, parts);
        // residual may live where the output goes (scratch): every thread read it before the
        // barriers
        float* post = step.posts[size_t(l)].data;  // [C] mid + mlp
        for (Index c = out.begin; c < out.end; ++c) post[c] = mid[c] + s.mlpOut(0, c);
        return post;
    }

    // The new row's q | k | v columns `columns` that fall in [from, from + C) into row (null:
    // not kept).
    void copyColumns(float* row, ops::Columns columns, Index from) {
        if (!row) return;
        const Index c0 = std::max(columns.begin, from);
        const Index c1 = std::min(columns.end, from + cfg.n_embd);
        for (Index c = c0; c < c1; ++c) row[c - from] = s.qkv(0, c);
    }

    // progress(done, total) inside a parallel region, where no exception may leave a thread.
    static void keepGoing(const ProgressFn& progress, int done, int total,
                          std::atomic<bool>& cancelled, std::exception_ptr& failure) {
        try {
            if (!progress(done, total)) cancelled = true;
        } catch (...) {
            failure = std::current_exception();
            cancelled = true;
        }
    }

    // x = wte[token] + wpe[position]
    Rows embed(std::span<const int> tokens, Index t0, Index n) {
        const MatrixMap wpe = w.wpe.map();  // [n_positions,C]
        resizeScratch(s.x, n, cfg.n_embd);
        for (Index i = 0; i < n; ++i)
            s.x.row(i) = w.wteT.col(tokens[size_t(t0 + i)]).transpose() + wpe.row(t0 + i);
        return {s.x.data(), n, cfg.n_embd, cfg.n_embd};
    }

    // x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))  on the new rows; returns where x now lives.
    Rows block(int l, LayerStore& kept, Rows xIn, Index t0, Index n) {
        const LayerWeights& lw = w.layers[size_t(l)];
        const Index C = cfg.n_embd, F = cfg.n_inner;
        const float eps = cfg.layer_norm_epsilon;
        auto scratch = [&](RowMatrix& m, Index width) {
            resizeScratch(m, n, width);
            return RowsMap(m.data(), n, width, Eigen::OuterStride<>(width));
        };

        RowsMap x = xIn.map();  // [n,C]
        if (hooks.residualIn) hooks.residualIn(l, x, t0);
        RowsMap a = scratch(s.ln1, C);  // [n,C]
        ops::layernorm(a, x, lw.ln1_w.map(), lw.ln1_b.map(), eps);
        resizeScratch(s.qkv, n, 3 * C);
        ops::linear(s.qkv, a, lw.attn_w, lw.attn_b.map());  // [n,3C] = q | k | v
        kept.k.rows(t0, n) = s.qkv.middleCols(C, C);        // [n,C]
        kept.v.rows(t0, n) = s.qkv.middleCols(2 * C, C);    // [n,C]
        if (!kept.q.empty()) kept.q.rows(t0, n) = s.qkv.leftCols(C);

        RowsMap y = scratch(s.headOut, C);  // [n,C] the heads' outputs side by side
        attention(l, kept, y, t0, n);
        if (hooks.headOutputs) hooks.headOutputs(l, y, t0);
        RowsMap attn = scratch(s.attnOut, C);  // [n,C]
        ops::linear(attn, y, lw.attn_proj_w, lw.attn_proj_b.map());
        RowsMap mid = destination(kept.residMid, s.mid, t0, n, C).map();  // [n,C]
        mid = x + attn;

        RowsMap m = scratch(s.ln2, C);  // [n,C]
        ops::layernorm(m, mid, lw.ln2_w.map(), lw.ln2_b.map(), eps);
        RowsMap pre = scratch(s.mlpPre, F);  // [n,F]
        ops::linear(pre, m, lw.fc_w, lw.fc_b.map());
        RowsMap act = scratch(s.mlpAct, F);  // [n,F]
        ops::geluNew(act, pre);
        if (hooks.mlpActivations) hooks.mlpActivations(l, act, t0);
        RowsMap mlp = scratch(s.mlpOut, C);  // [n,C]
        ops::linear(mlp, act, lw.mlp_proj_w, lw.mlp_proj_b.map());
        // x is dead now unless the store keeps it, so its scratch may take the output
        Rows post = destination(kept.residPost, s.x, t0, n, C);
        post.map() = mid + mlp;  // [n,C]
        return post;
    }

    // y [n,C]: every head's output side by side; the heads run in parallel. Scores and
    // probabilities share one per-thread buffer and are not kept (recomputed on demand).
    void attention(int l, const LayerStore& kept, RowsMap y, Index t0, Index n) {
        const Index T = t0 + n, D = cfg.headDim();
        const int H = cfg.n_head;
        auto k = kept.k.top(T);  // [T,C]
        auto v = kept.v.top(T);  // [T,C]
        s.headScores.resize(size_t(omp_get_max_threads()));
        for (RowMatrix& buffer : s.headScores) resizeScratch(buffer, n, T);
#pragma omp parallel for schedule(static)
        for (int h = 0; h < H; ++h) {
            const Index c0 = h * D;
            RowMatrix& p = s.headScores[size_t(omp_get_thread_num())];  // [n,T]
            ops::attentionHead(y.middleCols(c0, D), p, p, s.qkv.middleCols(c0, D),
                               k.middleCols(c0, D), v.middleCols(c0, D));
            if (hooks.attentionProbs) hooks.attentionProbs(l, h, p, t0);
        }
    }

    // logits [V] of one row h [1,C] · lm_headᵀ (the vocabulary's panels split over the threads).
    Vector unembedRow(const ops::ConstMatRef& h) {
        Vector logits(cfg.vocab_size);
        RowsMap out(logits.data(), 1, cfg.vocab_size, Eigen::OuterStride<>(cfg.vocab_size));
        ops::linear(out, h, w.lm_head);  // [1,V]
        return logits;
    }

    // Every row's logsumexp into the store, from logits [n,V] = h [n,C] · lm_headᵀ computed in
    // vocabulary chunks (never [n,V] at once); returns the last row's logits.
    Vector unembedAll(ActivationStore& store, const RowMatrix& h, Index t0) {
        const Index n = h.rows(), V = cfg.vocab_size;
        Vector last(V);
        // whole panels of lm_headᵀ per chunk
        const Index chunk = std::min(V, std::max<Index>(2048, kLogitsChunkFloats / n) /
                                            kernels::kPanelCols * kernels::kPanelCols);
        s.lseMax.assign(size_t(n), -std::numeric_limits<double>::infinity());
        s.lseSum.assign(size_t(n), 0.0);
        resizeScratch(s.logits, n, chunk);
        for (Index v0 = 0; v0 < V; v0 += chunk) {
            const Index width = std::min(chunk, V - v0);
            RowsMap out(s.logits.data(), n, width, Eigen::OuterStride<>(chunk));  // [n,width]
            ops::linear(out, h, w.lm_head.middleCols(v0, width));  // [n,C] · [C,width]
#pragma omp parallel for schedule(static) if (n >= 16)
            for (Index i = 0; i < n; ++i) {
                const float m = out.row(i).maxCoeff();
                const float sum = (out.row(i).array() - m).exp().sum();
                mergeLogSumExp(s.lseMax[size_t(i)], s.lseSum[size_t(i)], m, sum);
            }
            last.segment(v0, width) = out.row(n - 1).transpose();  // [width]
        }
        auto lse = store.logsumexp.rows(t0, n);  // [n,1]
        for (Index i = 0; i < n; ++i)
            lse(i, 0) = float(s.lseMax[size_t(i)] + std::log(s.lseSum[size_t(i)]));
        return last;
    }

    // The logits after position t, from the last block's stored output.
    Vector logitsAt(const ActivationStore& store, Index t) {
        const auto x = store.layers.back().residPost.row(t);  // [1,C]
        resizeScratch(s.lnf, 1, cfg.n_embd);
        ops::layernorm(s.lnf, x, w.lnf_w.map(), w.lnf_b.map(), cfg.layer_norm_epsilon);
        return unembedRow(s.lnf);
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
        throw Error("forward options: threads must be >= 0 (0 = the idle cores), got " +
                    std::to_string(options_.threads));
    impl_ = std::make_unique<Impl>(*model_, options_.hooks);
    reset();
}

Forward::~Forward() = default;

Capture Forward::capture() const {
    return Capture(model_, store_, tokens_, last_);
}

void Forward::reset() {
    tokens_.clear();
    // the old store is reused unless a view still shows some of it (its pages stay mapped)
    if (store_ && store_->longestView() == 0)
        store_->invalidateFrom(0);
    else
        store_ = std::make_shared<ActivationStore>(model_->config, options_.capture);
    last_ = std::make_shared<const Vector>();
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

    std::vector<int> tokens(tokens_);
    tokens.insert(tokens.end(), ids.begin(), ids.end());
    Index t0 = Index(tokens_.size());
    std::shared_ptr<ActivationStore> store = store_;
    if (tokens.size() > size_t(cfg.n_positions)) {
        if (options_.overflow == OverflowPolicy::Refuse)
            throw Error("prompt has " + std::to_string(tokens.size()) +
                        " tokens but the model's context is " + std::to_string(cfg.n_positions) +
                        "; shorten it or choose truncation from the left");
        // keep the last n_positions tokens and recompute into a fresh store
        tokens.erase(tokens.begin(), tokens.end() - cfg.n_positions);
        store = std::make_shared<ActivationStore>(cfg, options_.capture);
        t0 = 0;
    } else if (store->longestView() > t0) {
        // a live view still shows rows we are about to rewrite (after a truncate): copy first
        store = std::shared_ptr<ActivationStore>(store->fork(int(t0)));
    }
    store->invalidateFrom(int(t0));
    // on failure or cancel nothing visible changed: rows past t0 are nobody's yet
    Vector last = impl_->run(*store, tokens, t0, progress);
    tokens_ = std::move(tokens);
    store_ = std::move(store);
    last_ = std::make_shared<const Vector>(std::move(last));
}

void Forward::truncate(int length) {
    if (length < 0) throw Error("truncate: length must be >= 0, got " + std::to_string(length));
    if (length >= this->length()) return;
    ThreadScope threads(options_.threads);
    ops::ComputeScope compute;  // denormals flush to zero on every compute thread
    tokens_.resize(size_t(length));
    last_ = std::make_shared<const Vector>(length > 0 ? impl_->logitsAt(*store_, length - 1)
                                                      : Vector());
}

}  // namespace tscope
