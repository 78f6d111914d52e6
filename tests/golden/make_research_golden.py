#!/usr/bin/env python3
"""Golden numbers for the research tools (head scores, ablation, activation patching) on the
fixture model tests/fixtures/tiny-gpt2, from an independent numpy GPT-2 forward pass (float64).

Reads model.safetensors directly (JSON header + np.frombuffer), implements the forward pass with
hooks, and writes tests/fixtures/research_golden.json. Run from anywhere:
    python3 tests/golden/make_research_golden.py
Needs only numpy (Debian: python3-numpy)."""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
MODEL_DIR = os.path.join(FIXTURES, "tiny-gpt2")


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return tensors


W = load_safetensors(os.path.join(MODEL_DIR, "model.safetensors"))
CFG = json.load(open(os.path.join(MODEL_DIR, "config.json")))
L, H, C = CFG["n_layer"], CFG["n_head"], CFG["n_embd"]
D = C // H
EPS = CFG["layer_norm_epsilon"]


def layernorm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(ids, resid_in=None, head_out=None, mlp_act=None):
    """Full forward pass; the hooks (layer, array) -> array replace the residual entering a block,
    the concatenated head outputs [T,C] before c_proj, and the MLP activations [T,F].
    Returns logits [T,V], probs per layer [H,T,T], head outputs per layer, residual entering
    each block."""
    T = len(ids)
    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    mask = np.tril(np.ones((T, T), dtype=bool))
    probs_all, heads_all, resid_all, act_all = [], [], [], []
    for l in range(L):
        p = f"h.{l}."
        if resid_in:
            x = resid_in(l, x.copy())
        resid_all.append(x.copy())
        a = layernorm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"])
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
        y = np.zeros((T, C))
        probs = np.zeros((H, T, T))
        for h in range(H):
            s = slice(h * D, (h + 1) * D)
            scores = q[:, s] @ k[:, s].T / np.sqrt(D)
            scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max(-1, keepdims=True))
            probs[h] = e / e.sum(-1, keepdims=True)
            y[:, s] = probs[h] @ v[:, s]
        if head_out:
            y = head_out(l, y.copy())
        heads_all.append(y.copy())
        probs_all.append(probs)
        x = x + y @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = layernorm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"])
        act = gelu_new(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        if mlp_act:
            act = mlp_act(l, act.copy())
        act_all.append(act.copy())
        x = x + act @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    logits = layernorm(x, W["ln_f.weight"], W["ln_f.bias"]) @ W["wte.weight"].T
    return {"logits": logits, "probs": probs_all, "heads": heads_all, "resid": resid_all,
            "act": act_all}


# ---- the six scores, written straight from the definitions (loops, no cleverness) ----
def scores(A, t):
    T = len(t)
    rows = {k: [] for k in ["prev_token", "first_token", "self", "duplicate_token", "induction",
                            "entropy"]}
    for i in range(T):
        rows["self"].append(A[i, i])
        if i >= 1:
            rows["prev_token"].append(A[i, i - 1])
            rows["first_token"].append(A[i, 0])
            nz = A[i, :i + 1][A[i, :i + 1] > 0]
            rows["entropy"].append(-(nz * np.log(nz)).sum())
        dup = [j for j in range(i) if t[j] == t[i]]
        if dup:
            rows["duplicate_token"].append(sum(A[i, j] for j in dup))
        ind = [j for j in range(1, i) if t[j - 1] == t[i]]
        if ind:
            rows["induction"].append(sum(A[i, j] for j in ind))
    return {k: (float(np.mean(v)) if v else None) for k, v in rows.items()}


def log_softmax(z):
    m = z.max()
    return z - (m + np.log(np.exp(z - m).sum()))


def loss(logits, ids):
    return float(np.mean([-log_softmax(logits[i])[ids[i + 1]] for i in range(len(ids) - 1)]))


# ---- ablation ----
def ablate_heads(heads, mode, ids):
    clean = forward(ids)

    def hook(l, y):
        for (hl, hh) in heads:
            if hl == l:
                s = slice(hh * D, (hh + 1) * D)
                y[:, s] = 0 if mode == "zero" else clean["heads"][l][:, s].mean(0)
        return y
    return forward(ids, head_out=hook)


def ablate_neurons(neurons, mode, ids):
    clean = forward(ids)

    def hook(l, act):
        for (nl, nn) in neurons:
            if nl == l:
                act[:, nn] = 0 if mode == "zero" else clean["act"][l][:, nn].mean(0)
        return act
    return forward(ids, mlp_act=hook)


# ---- patching (every cell a full recompute: no prefix sharing here) ----
def patch_grids(clean_ids, corrupt_ids, right, wrong):
    clean, corrupt = forward(clean_ids), forward(corrupt_ids)
    ld = lambda out: float(out["logits"][-1, right] - out["logits"][-1, wrong])
    ld_clean, ld_corrupt = ld(clean), ld(corrupt)
    T = len(clean_ids)
    resid = [[0.0] * T for _ in range(L)]
    heads = [[0.0] * H for _ in range(L)]
    for l in range(L):
        for p in range(T):
            def hook(hl, x, l=l, p=p):
                if hl == l:
                    x[p] = clean["resid"][l][p]
                return x
            resid[l][p] = ld(forward(corrupt_ids, resid_in=hook))
        for h in range(H):
            def hook(hl, y, l=l, h=h):
                if hl == l:
                    y[:, h * D:(h + 1) * D] = clean["heads"][l][:, h * D:(h + 1) * D]
                return y
            heads[l][h] = ld(forward(corrupt_ids, head_out=hook))
    rec = lambda g: [[(v - ld_corrupt) / (ld_clean - ld_corrupt) for v in row] for row in g]
    return {"clean": clean_ids, "corrupt": corrupt_ids, "right": right, "wrong": wrong,
            "ld_clean": ld_clean, "ld_corrupt": ld_corrupt,
            "resid_ld": resid, "resid_recovery": rec(resid),
            "heads_ld": heads, "heads_recovery": rec(heads)}


def main():
    V = W["wte.weight"].shape[0]
    probe_ids = [15496, 11, 616, 1438, 318, 15496, 11, 616, 3290, 318, 257, 1438, 15496, 616]
    repeated = [50256, 464, 2068, 7586, 21831, 18045, 625, 262, 16931,
                464, 2068, 7586, 21831, 18045, 625, 262, 16931]
    score_cases = []
    for ids in [probe_ids, repeated]:
        out = forward(ids)
        score_cases.append({"ids": ids, "heads": [
            dict(layer=l, head=h, **scores(out["probs"][l][h], ids))
            for l in range(L) for h in range(H)]})

    check_ids = list(range(0, V, 503))  # logits compared at these ids
    ablation_ids = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13]
    ablations = []
    for heads in [[[0, 1]], [[0, 1], [1, 2]], [[1, 3]]]:
        for mode in ["zero", "mean"]:
            out = ablate_heads([tuple(h) for h in heads], mode, ablation_ids)
            ablations.append({"heads": heads, "neurons": [], "mode": mode,
                              "logits_last_at": [float(out["logits"][-1, i]) for i in check_ids],
                              "loss": loss(out["logits"], ablation_ids)})
    for mode in ["zero", "mean"]:
        neurons = [[0, 3], [0, 17], [1, 200]]
        out = ablate_neurons([tuple(n) for n in neurons], mode, ablation_ids)
        ablations.append({"heads": [], "neurons": neurons, "mode": mode,
                          "logits_last_at": [float(out["logits"][-1, i]) for i in check_ids],
                          "loss": loss(out["logits"], ablation_ids)})
    clean_out = forward(ablation_ids)

    patch = [
        patch_grids([464, 2068, 7586, 21831, 18045, 625, 262, 16931],
                    [464, 2068, 7586, 3290, 18045, 625, 262, 16931], 21831, 3290),
        patch_grids([40, 1101, 257, 1310, 286, 616, 3290, 13, 632],
                    [40, 1101, 257, 1049, 286, 616, 1310, 13, 632], 1310, 1049),
    ]
    doc = {
        "about": "tests/golden/make_research_golden.py: numpy float64 GPT-2 on tiny-gpt2",
        "scores": score_cases,
        "ablation": {"ids": ablation_ids, "check_ids": check_ids,
                     "clean_logits_last_at": [float(clean_out["logits"][-1, i]) for i in check_ids],
                     "clean_loss": loss(clean_out["logits"], ablation_ids),
                     "cases": ablations},
        "patch": patch,
    }
    with open(os.path.join(FIXTURES, "research_golden.json"), "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
