#include "core/activation_store.h"

#include <algorithm>

namespace tscope {

bool CaptureOptions::wants(int layer) const {
    if (level == CaptureLevel::None) return false;  // no per-layer tensors at all
    return layers.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end();
}

ViewLease::ViewLease(std::shared_ptr<const ActivationStore> store, int T)
    : store_(std::move(store)), T_(T) {
    std::lock_guard lock(store_->mutex_);
    store_->viewLengths_.insert(T_);
}

ViewLease::~ViewLease() {
    std::lock_guard lock(store_->mutex_);
    store_->viewLengths_.erase(store_->viewLengths_.find(T_));
}

ActivationStore::ActivationStore(const ModelConfig& cfg, const CaptureOptions& options)
    : options(options), cfg_(cfg) {
    const Eigen::Index ctx = cfg.n_positions, C = cfg.n_embd;
    layers.resize(size_t(cfg.n_layer));
    for (int l = 0; l < cfg.n_layer; ++l) {
        LayerStore& layer = layers[size_t(l)];
        layer.kept = options.wants(l);
        layer.k = RowStore(ctx, C);
        layer.v = RowStore(ctx, C);
        if (layer.kept) {
            layer.q = RowStore(ctx, C);
            layer.residMid = RowStore(ctx, C);
        }
        if (layer.kept || l == cfg.n_layer - 1) layer.residPost = RowStore(ctx, C);
    }
    if (options.logsumexpAll) logsumexp = RowStore(ctx, 1);
}

std::unique_ptr<ActivationStore> ActivationStore::fork(int n) const {
    auto copy = std::make_unique<ActivationStore>(cfg_, options);
    for (size_t l = 0; l < layers.size(); ++l) {
        const LayerStore& from = layers[l];
        LayerStore& to = copy->layers[l];
        for (auto field : {&LayerStore::k, &LayerStore::v, &LayerStore::q, &LayerStore::residMid,
                           &LayerStore::residPost})
            if (!(from.*field).empty()) (to.*field).copyRows(from.*field, n);
    }
    if (!logsumexp.empty()) copy->logsumexp.copyRows(logsumexp, n);
    return copy;
}

int ActivationStore::longestView() const {
    std::lock_guard lock(mutex_);
    return viewLengths_.empty() ? 0 : *viewLengths_.rbegin();
}

void ActivationStore::invalidateFrom(int t) {
    std::lock_guard lock(mutex_);
    for (auto it = patterns_.begin(); it != patterns_.end();) {
        if (std::get<2>(it->first) > t) {
            patternBytes_ -= it->second.second->bytes();
            it = patterns_.erase(it);
        } else {
            ++it;
        }
    }
}

size_t ActivationStore::bytesTouched() const {
    size_t bytes = logsumexp.bytesTouched();
    for (const LayerStore& layer : layers)
        for (const RowStore* s : {&layer.k, &layer.v, &layer.q, &layer.residMid, &layer.residPost})
            bytes += s->bytesTouched();
    std::lock_guard lock(mutex_);
    return bytes + patternBytes_;
}

std::shared_ptr<const AttentionPattern> ActivationStore::cachedPattern(int layer, int head,
                                                                       int T) const {
    std::lock_guard lock(mutex_);
    const auto it = patterns_.find({layer, head, T});
    if (it == patterns_.end()) return nullptr;
    it->second.first = ++clock_;
    return it->second.second;
}

void ActivationStore::cachePattern(int layer, int head, int T,
                                   std::shared_ptr<const AttentionPattern> pattern) const {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = patterns_.try_emplace({layer, head, T}, ++clock_, pattern);
    if (!inserted) return;
    patternBytes_ += pattern->bytes();
    // evict the least recently used, but always keep the newest
    while (patternBytes_ > kPatternCacheBytes && patterns_.size() > 1) {
        auto oldest = patterns_.begin();
        for (auto i = patterns_.begin(); i != patterns_.end(); ++i)
            if (i->second.first < oldest->second.first) oldest = i;
        patternBytes_ -= oldest->second.second->bytes();
        patterns_.erase(oldest);
    }
}

}  // namespace tscope
