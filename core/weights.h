// GPT-2 parameters bound to a SafetensorsFile. Names follow openai-community/gpt2
// ("h.3.attn.c_attn.weight", with or without a "transformer." prefix). The four linear layers'
// weights of each block, wteᵀ and an untied lm_headᵀ are copied into column panels (panels.h),
// the layout the kernels read, and the file's pages they came from are let go, so the weights
// stay resident once (a token's embedding is read as a column of wteT: a row of wte's mapping
// would fault back far more than the row, 100 MB for 1000 random tokens). The other F32 tensors
// are Eigen::Maps into the memory-mapped file; other F16/BF16 ones are widened once into owned
// storage. Shapes are checked against the config, and values for being finite and below 1e8 in
// magnitude (anything else is a corrupt file); the causal-mask buffers h.N.attn.bias and
// h.N.attn.masked_bias are ignored; lm_head.weight is optional (tied to wte).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "core/config.h"
#include "core/panels.h"
#include "core/safetensors.h"
#include "core/tensor.h"

namespace tscope {

// Non-owning views; .map() gives the Eigen::Map (Maps themselves are not re-assignable).
struct MatrixRef {
    const float* data = nullptr;
    Eigen::Index rows = 0, cols = 0;
    MatrixMap map() const { return MatrixMap(data, rows, cols); }
};
struct VectorRef {
    const float* data = nullptr;
    Eigen::Index size = 0;
    VectorMap map() const { return VectorMap(data, size); }
};

struct LayerWeights {
    VectorRef ln1_w, ln1_b;  // [C]
    PanelsRef attn_w;        // [C, 3C]  columns q | k | v
    VectorRef attn_b;        // [3C]
    PanelsRef attn_proj_w;   // [C, C]
    VectorRef attn_proj_b;   // [C]
    VectorRef ln2_w, ln2_b;  // [C]
    PanelsRef fc_w;          // [C, F]   F = n_inner
    VectorRef fc_b;          // [F]
    PanelsRef mlp_proj_w;    // [F, C]
    VectorRef mlp_proj_b;    // [C]
};

struct ModelWeights {
    MatrixRef wpe;   // [n_positions, C]
    PanelsRef wteT;  // [C, V] = wteᵀ in panels: token embeddings (col), scans over the vocabulary
    PanelsRef lm_head;  // [C, V] = lm_headᵀ in panels, = wteT when tied: logits = h · lm_head
    std::vector<LayerWeights> layers;
    VectorRef lnf_w, lnf_b;  // [C]

    DType fileDType = DType::F32;  // dtype of the parameters in the file
    int64_t parameterCount = 0;    // without the tied lm_head
    bool tiedLmHead = true;

    std::shared_ptr<const SafetensorsFile> file;  // keeps the mapping alive
    std::deque<std::vector<float>> owned;         // widened F16/BF16 tensors (stable addresses)
    std::deque<PanelMatrix> panels;               // the linear layers' weights and lm_head
};

// Binds and checks every tensor; throws tscope::Error naming the file, tensor and problem
// (missing, unexpected, wrong shape, config contradicting the weights).
ModelWeights bindWeights(std::shared_ptr<const SafetensorsFile> file, const ModelConfig& config);

}  // namespace tscope
