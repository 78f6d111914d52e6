#!/usr/bin/python3
"""A plain PyTorch GPT-2 forward on a TransformerScope model directory (config.json +
model.safetensors, F32), to time tscope's prefill against; and a writer for a random
GPT-2-shaped model directory.

  torch_gpt2.py write DIR [--std 0.02]          random GPT-2-small-shaped model
  torch_gpt2.py prefill DIR --T 64 [--threads 2] [--reps 5]
                                                 prints {"T":..,"ms":[..]} (one line of JSON)
"""
import argparse, json, math, os, struct, sys, time
import numpy as np
import torch
import torch.nn.functional as F

SHAPES = {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "vocab_size": 50257}


def tensor_specs(cfg):
    C, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    specs = [("wte.weight", (V, C)), ("wpe.weight", (P, C)), ("ln_f.weight", (C,)), ("ln_f.bias", (C,))]
    for l in range(L):
        for name, shape in [("ln_1.weight", (C,)), ("ln_1.bias", (C,)), ("attn.c_attn.weight", (C, 3 * C)),
                            ("attn.c_attn.bias", (3 * C,)), ("attn.c_proj.weight", (C, C)),
                            ("attn.c_proj.bias", (C,)), ("ln_2.weight", (C,)), ("ln_2.bias", (C,)),
                            ("mlp.c_fc.weight", (C, 4 * C)), ("mlp.c_fc.bias", (4 * C,)),
                            ("mlp.c_proj.weight", (4 * C, C)), ("mlp.c_proj.bias", (C,))]:
            specs.append((f"h.{l}.{name}", shape))
    return specs


def write(dir, std):
    os.makedirs(dir, exist_ok=True)
    cfg = dict(SHAPES, model_type="gpt2", activation_function="gelu_new", n_ctx=1024, layer_norm_epsilon=1e-5)
    json.dump(cfg, open(os.path.join(dir, "config.json"), "w"))
    rng = np.random.default_rng(2024)
    header, blobs, offset = {}, [], 0
    for name, shape in tensor_specs(cfg):  # uniform with the given std; layer-norm gains 1
        a = np.ones(shape, np.float32) if name.endswith("weight") and "ln_" in name else \
            rng.uniform(-std * math.sqrt(3), std * math.sqrt(3), shape).astype(np.float32)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def load(dir):
    cfg = json.load(open(os.path.join(dir, "config.json")))
    raw = np.memmap(os.path.join(dir, "model.safetensors"), np.uint8, "r")
    n = struct.unpack("<Q", raw[:8].tobytes())[0]
    header = json.loads(raw[8:8 + n].tobytes())
    w = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        w[name] = torch.from_numpy(np.array(raw[8 + n + b:8 + n + e]).view(np.float32).reshape(info["shape"]))
    return cfg, w


@torch.inference_mode()
def forward(cfg, w, ids):  # logits [T, V] of every position, like nanoGPT's GPT.forward
    T, C, H, eps = len(ids), cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]                        # [T,C]
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)                     # True above the diagonal
    for l in range(cfg["n_layer"]):
        p = lambda s: w[f"h.{l}.{s}"]
        a = F.layer_norm(x, (C,), p("ln_1.weight"), p("ln_1.bias"), eps)
        q, k, v = torch.addmm(p("attn.c_attn.bias"), a, p("attn.c_attn.weight")).split(C, dim=1)
        q, k, v = (t.view(T, H, C // H).transpose(0, 1) for t in (q, k, v))  # [H,T,D]
        att = (q @ k.transpose(1, 2)) / math.sqrt(C // H)                  # [H,T,T]
        att = att.masked_fill(mask[:T, :T], float("-inf")).softmax(dim=-1)  # (torch 1.13: no SDPA)
        y = (att @ v).transpose(0, 1).reshape(T, C)
        x = x + torch.addmm(p("attn.c_proj.bias"), y, p("attn.c_proj.weight"))
        m = F.layer_norm(x, (C,), p("ln_2.weight"), p("ln_2.bias"), eps)
        h = F.gelu(torch.addmm(p("mlp.c_fc.bias"), m, p("mlp.c_fc.weight")), approximate="tanh")
        x = x + torch.addmm(p("mlp.c_proj.bias"), h, p("mlp.c_proj.weight"))
    x = F.layer_norm(x, (C,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].T                                          # [T,V]


def token_ids(T, V):  # the same ids as tscope-bench
    return torch.tensor([(i * 7919 + 13) % V for i in range(T)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["write", "prefill"])
    ap.add_argument("dir")
    ap.add_argument("--std", type=float, default=0.02)
    ap.add_argument("--T", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    if args.command == "write":
        return write(args.dir, args.std)
    torch.set_num_threads(args.threads)
    cfg, w = load(args.dir)
    ids = token_ids(args.T, cfg["vocab_size"])
    forward(cfg, w, ids)  # warm-up: faults the weights in
    times = []
    for _ in range(args.reps):
        t = time.perf_counter()
        forward(cfg, w, ids)
        times.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"T": args.T, "ms": times}))


if __name__ == "__main__":
    main()
