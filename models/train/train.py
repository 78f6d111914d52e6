"""Train the bundled default model: a small GPT-2 on the public-domain novels.

  python3 train.py prepare --corpus ../../../shared/corpus     # tokenize once into cache/
  python3 train.py train --steps 1500                         # fixed seed, checkpoints in cache/
  python3 train.py export --out ../default                    # HF layout + stats.json

Uses Debian's python3-torch on the CPU. Same architecture and tokenizer as GPT-2, so the app loads
the result through exactly the path it uses for openai-community/gpt2.
"""
import argparse
import json
import math
import os
import shutil
import struct
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import gpt2_bpe

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"
EOT = 50256
CONFIG = dict(vocab_size=50257, n_positions=256, n_embd=128, n_layer=4, n_head=4)


# ---------------------------------------------------------------- data

def tokenize_dir(enc, folder):
    ids = []
    for path in sorted(Path(folder).glob("*.txt")):
        ids.extend(enc.encode(path.read_text(encoding="utf-8")))
        ids.append(EOT)  # documents are separated the way GPT-2's WebText was
    return np.array(ids, dtype=np.uint16)


def cmd_prepare(args):
    CACHE.mkdir(exist_ok=True)
    tok = Path(args.tokenizer)
    enc = gpt2_bpe.Encoder(tok / "vocab.json", tok / "merges.txt")
    for split in ("train", "heldout"):
        t0 = time.time()
        ids = tokenize_dir(enc, Path(args.corpus) / split)
        np.save(CACHE / f"{split}.npy", ids)
        print(f"{split}: {len(ids)} tokens in {time.time() - t0:.0f} s", flush=True)


# ---------------------------------------------------------------- model (nanoGPT-style GPT-2)

class Block(nn.Module):
    def __init__(self, c, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(c, eps=1e-5)
        self.c_attn = nn.Linear(c, 3 * c)
        self.attn_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c, eps=1e-5)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)

    def attention(self, x, want_probs=False):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        # (B, T, C) -> (B, nh, T, hd)
        q, k, v = (z.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.n_head)
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.attn_proj(y), (att if want_probs else None)

    def forward(self, x, want_probs=False):
        a, probs = self.attention(self.ln_1(x), want_probs)
        x = x + a
        x = x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, probs


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["n_embd"]
        self.wte = nn.Embedding(cfg["vocab_size"], c)
        self.wpe = nn.Embedding(cfg["n_positions"], c)
        self.h = nn.ModuleList(Block(c, cfg["n_head"]) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(c, eps=1e-5)
        for name, p in self.named_parameters():
            if name.endswith("weight") and p.dim() == 2:
                std = 0.02 / math.sqrt(2 * cfg["n_layer"]) if "proj" in name else 0.02
                nn.init.normal_(p, std=std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, want_probs=False):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        all_probs = []
        for block in self.h:
            x, probs = block(x, want_probs)
            all_probs.append(probs)
        logits = self.ln_f(x) @ self.wte.weight.T  # LM head tied to wte, as in GPT-2
        return logits, all_probs


# ---------------------------------------------------------------- training

class CrossEntropy(torch.autograd.Function):
    """Fused next-token loss: torch 1.13's log_softmax backward on CPU is single-threaded and took
    a third of each step over the 50257-way output; this halves that cost with the same value."""

    @staticmethod
    def forward(ctx, logits, targets):  # logits (N, V), targets (N,)
        lse = torch.logsumexp(logits, -1)
        ctx.save_for_backward(logits, lse, targets)
        return (lse - logits.gather(1, targets[:, None])[:, 0]).mean()

    @staticmethod
    def backward(ctx, grad_out):
        logits, lse, targets = ctx.saved_tensors
        grad = torch.exp(logits - lse[:, None])  # softmax
        grad[torch.arange(len(targets)), targets] -= 1
        grad *= grad_out / len(targets)
        return grad, None


def batch_rows(data, batch, T, repeat_frac, gen):
    """(batch, T+1) windows of the novels. A `repeat_frac` share of rows instead tile one passage of
    32..128 tokens: text that repeats rewards a head that looks up what followed the earlier copy
    (an induction head), which natural text alone did not grow within our CPU budget."""
    rows = []
    for _ in range(batch):
        if torch.rand(1, generator=gen).item() < repeat_frac:
            n = int(torch.randint(32, 129, (1,), generator=gen))
            s = int(torch.randint(0, len(data) - n, (1,), generator=gen))
            rows.append(data[s:s + n].repeat((T + 1) // n + 1)[:T + 1])
        else:
            s = int(torch.randint(0, len(data) - T - 1, (1,), generator=gen))
            rows.append(data[s:s + T + 1])
    return torch.stack(rows)


def repeat_rows(data, batch, T, gen):
    """(batch, T+1) rows, each one passage of 8..T/2 tokens tiled: after its first copy every
    token is predictable by looking up what followed its earlier occurrence."""
    rows = []
    for _ in range(batch):
        n = int(torch.randint(8, T // 2 + 1, (1,), generator=gen))
        s = int(torch.randint(0, len(data) - n, (1,), generator=gen))
        rows.append(data[s:s + n].repeat((T + 1) // n + 1)[:T + 1])
    return torch.stack(rows)


def next_token_loss(model, rows):
    logits, _ = model(rows[:, :-1])
    return CrossEntropy.apply(logits.view(-1, logits.shape[-1]), rows[:, 1:].reshape(-1))


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def cmd_train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    data = torch.from_numpy(np.load(CACHE / "train.npy").astype(np.int64))
    T = CONFIG["n_positions"]
    model = GPT(CONFIG)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator().manual_seed(args.seed)
    start, base_wall = 0, 0.0
    ckpt = CACHE / args.ckpt
    if args.init_from:  # a second phase: weights from an earlier run, fresh optimiser and schedule
        model.load_state_dict(torch.load(CACHE / args.init_from)["model"])
    if ckpt.exists() and args.resume:
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        start = state["step"]
        base_wall = state.get("wall_s", 0.0)  # training time before this resume
    t0 = time.time()
    log = open(CACHE / f"{Path(args.ckpt).stem}.log", "a")  # one log per phase
    for step in range(start, min(args.steps, args.stop_at or args.steps)):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        rows = batch_rows(data, args.batch, T, args.repeat_frac, gen)
        loss = next_token_loss(model, rows)
        if args.repeat_batch:  # plus short rows that repeat a passage, in the same step
            repeats = repeat_rows(data, args.repeat_batch, args.repeat_len, gen)
            share = repeats.numel() / (repeats.numel() + rows.numel())  # weight by tokens
            loss = (1 - share) * loss + share * next_token_loss(model, repeats)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        elapsed = time.time() - t0
        line = f"step {step + 1}/{args.steps} loss {loss.item():.4f} elapsed {elapsed:.0f}s tok/s {(step + 1 - start) * args.batch * T / elapsed:.0f}"
        print(line, file=log, flush=True)
        if (step + 1) % 50 == 0 or step + 1 in (args.steps, args.stop_at):
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                        "step": step + 1, "wall_s": base_wall + elapsed}, ckpt)


# ---------------------------------------------------------------- evaluation and export

def heldout_loss(model, ids, T, windows):
    """Mean next-token loss in nats over `windows` non-overlapping windows of T tokens."""
    losses = []
    with torch.no_grad():
        for w in range(windows):
            chunk = torch.from_numpy(ids[w * T:(w + 1) * T + 1].astype(np.int64))
            logits, _ = model(chunk[None, :-1])
            losses.append(F.cross_entropy(logits[0], chunk[1:], reduction="sum").item())
    return sum(losses) / (windows * T)


def bigram_loss(counts_train, held, lam):
    """Interpolated bigram lam·P(b|a) + (1−lam)·P_uni(b) on `held`, counts from `counts_train`."""
    V = 50257
    uni = np.bincount(counts_train, minlength=V).astype(np.float64) + 0.1
    uni /= uni.sum()
    pair = counts_train[:-1].astype(np.int64) * V + counts_train[1:]
    keys, counts = np.unique(pair, return_counts=True)
    ctx = np.bincount(counts_train[:-1], minlength=V).astype(np.float64)
    hp = held[:-1].astype(np.int64) * V + held[1:]
    idx = np.searchsorted(keys, hp)
    idx[idx >= len(keys)] = 0
    c_pair = np.where(keys[idx] == hp, counts[idx], 0).astype(np.float64)
    c_ctx = ctx[held[:-1]]
    p_bi = np.where(c_ctx > 0, c_pair / np.maximum(c_ctx, 1), 0.0)
    return float(-np.log(lam * p_bi + (1 - lam) * uni[held[1:]]).mean()), float(-np.log(uni[held[1:]]).mean())


def ngram_baselines(train, held):
    """Unigram (add-0.1) and interpolated bigram in nats/token on the held-out novels, fitted on
    the training novels. The bigram's mixing weight is chosen on the last 5 % of the training
    text with counts from the rest, so the baseline never sees the held-out text."""
    split = int(len(train) * 0.95)
    lams = (0.5, 0.6, 0.7, 0.8, 0.9)
    lam = min(lams, key=lambda l: bigram_loss(train[:split], train[split:], l)[0])
    bi, uni = bigram_loss(train, held, lam)
    return uni, bi, lam


def head_stats(model, held, T):
    """Per head: mean attention to the previous token, to position 0, and induction score."""
    n_layer, n_head = CONFIG["n_layer"], CONFIG["n_head"]
    prev = np.zeros((n_layer, n_head))
    first = np.zeros((n_layer, n_head))
    with torch.no_grad():
        x = torch.from_numpy(held[:8 * T].astype(np.int64)).view(8, T)
        _, probs = model(x, want_probs=True)
        for l, p in enumerate(probs):  # p: (B, nh, T, T)
            t = torch.arange(1, T)
            prev[l] = p[:, :, t, t - 1].mean(dim=(0, 2)).numpy()
            first[l] = p[:, :, 1:, 0].mean(dim=(0, 2)).numpy()
        g = torch.Generator().manual_seed(0)
        L = 50
        rnd = torch.randint(1000, 20000, (8, L), generator=g)
        seq = torch.cat([torch.full((8, 1), EOT), rnd, rnd], dim=1)
        _, probs = model(seq, want_probs=True)
        ind = np.zeros((n_layer, n_head))
        for l, p in enumerate(probs):
            t = torch.arange(L + 1, 2 * L + 1)  # second copy: attend to the token after the earlier occurrence
            ind[l] = p[:, :, t, t - L + 1].mean(dim=(0, 2)).numpy()
    return prev, first, ind


def sample(model, enc_dec, prompt_ids, steps, seed):
    g = torch.Generator().manual_seed(seed)
    ids = list(prompt_ids)
    with torch.no_grad():
        for _ in range(steps):
            logits, _ = model(torch.tensor([ids[-CONFIG["n_positions"]:]]))
            p = (logits[0, -1] / 0.8).softmax(-1)
            ids.append(int(torch.multinomial(p, 1, generator=g)))
    return enc_dec(ids)


def greedy(model, prompt_ids, steps):
    """Argmax continuation: RNG-free, so the C++ engine must reproduce it exactly."""
    ids = list(prompt_ids)
    with torch.no_grad():
        for _ in range(steps):
            logits, _ = model(torch.tensor([ids]))
            ids.append(int(logits[0, -1].argmax()))
    return ids


def export_tensors(model):
    """HF GPT-2 names; Conv1D weights stored [in, out], i.e. transposed from nn.Linear."""
    sd = model.state_dict()
    out = {"wte.weight": sd["wte.weight"], "wpe.weight": sd["wpe.weight"],
           "ln_f.weight": sd["ln_f.weight"], "ln_f.bias": sd["ln_f.bias"]}
    names = {"ln_1": "ln_1", "ln_2": "ln_2", "c_attn": "attn.c_attn", "attn_proj": "attn.c_proj",
             "c_fc": "mlp.c_fc", "mlp_proj": "mlp.c_proj"}
    for i in range(CONFIG["n_layer"]):
        for ours, hf in names.items():
            w, b = sd[f"h.{i}.{ours}.weight"], sd[f"h.{i}.{ours}.bias"]
            out[f"h.{i}.{hf}.weight"] = w if ours.startswith("ln") else w.T.contiguous()
            out[f"h.{i}.{hf}.bias"] = b
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        blob = tensors[name].to(torch.float16).numpy().astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for blob in blobs:
            f.write(blob)


def cmd_export(args):
    state = torch.load(CACHE / args.ckpt)
    model = GPT(CONFIG)
    model.load_state_dict(state["model"])
    # evaluate what ships: round to F16 first
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_safetensors(out / "model.safetensors", export_tensors(model))
    config = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "bos_token_id": EOT,
              "eos_token_id": EOT, "layer_norm_epsilon": 1e-5, "model_type": "gpt2", "n_ctx": CONFIG["n_positions"],
              "n_embd": CONFIG["n_embd"], "n_head": CONFIG["n_head"], "n_inner": None, "n_layer": CONFIG["n_layer"],
              "n_positions": CONFIG["n_positions"], "vocab_size": CONFIG["vocab_size"], "torch_dtype": "float16"}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tok = Path(args.tokenizer)
    for f in ("vocab.json", "merges.txt"):
        shutil.copyfile(tok / f, out / f)
    held = np.load(CACHE / "heldout.npy")
    train = np.load(CACHE / "train.npy")
    T = CONFIG["n_positions"]
    enc = gpt2_bpe.Encoder(tok / "vocab.json", tok / "merges.txt")
    inv = {v: k for k, v in enc.encoder.items()}
    byte_dec = {c: b for b, c in enc.byte_encoder.items()}
    dec = lambda ids: bytes(byte_dec[c] for i in ids for c in inv[i]).decode("utf-8", errors="replace")
    model.eval()
    uni, bi, lam = ngram_baselines(train, held)
    prev, first, ind = head_stats(model, held, T)
    stats = {
        "config": CONFIG, "steps": state["step"], "wall_s": state.get("wall_s"),
        "train_tokens": int(len(train)), "heldout_tokens": int(len(held)),
        "heldout_loss_fixed_slice": heldout_loss(model, held, T, 16),
        "heldout_loss_slice": "first 16 x 256 tokens of heldout (pg174 then pg42), next-token loss, nats/token",
        "heldout_loss_all": heldout_loss(model, held, T, min(200, len(held) // T - 1)),
        "train_loss": heldout_loss(model, train[1_000_000:], T, 64),
        "unigram_heldout": uni, "bigram_heldout": bi, "bigram_mix_weight": lam,
        "prev_token": prev.round(3).tolist(), "first_token": first.round(3).tolist(), "induction": ind.round(3).tolist(),
        "sample": sample(model, dec, enc.encode("It was a dark and stormy night"), 80, args.seed),
        "greedy_prompt": "It was a dark and stormy night",
        "greedy_ids": greedy(model, enc.encode("It was a dark and stormy night"), 20),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats, indent=1))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare")
    pr.add_argument("--corpus", default=str(HERE / "../../../shared/corpus"))
    pr.add_argument("--tokenizer", default=str(HERE / "../../../shared/gpt2-tokenizer"))
    tr = sub.add_parser("train")
    tr.add_argument("--steps", type=int, default=800)
    tr.add_argument("--batch", type=int, default=8)
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument("--warmup", type=int, default=40)
    tr.add_argument("--seed", type=int, default=1337)
    tr.add_argument("--threads", type=int, default=2)
    tr.add_argument("--resume", action="store_true")
    tr.add_argument("--stop-at", type=int, default=0, help="stop after this step (schedule unchanged)")
    tr.add_argument("--ckpt", default="ckpt.pt", help="checkpoint file in cache/ to write (and resume)")
    tr.add_argument("--init-from", default="", help="start from this checkpoint's weights in cache/")
    tr.add_argument("--repeat-frac", type=float, default=0.0, help="share of rows that repeat a passage")
    tr.add_argument("--repeat-batch", type=int, default=0, help="extra rows per step that tile a passage")
    tr.add_argument("--repeat-len", type=int, default=128, help="length of those rows")
    ex = sub.add_parser("export")
    ex.add_argument("--out", default=str(HERE / "../default"))
    ex.add_argument("--tokenizer", default=str(HERE / "../../../shared/gpt2-tokenizer"))
    ex.add_argument("--seed", type=int, default=1337)
    ex.add_argument("--ckpt", default="ckpt.pt", help="checkpoint file in cache/ to export")
    args = p.parse_args()
    {"prepare": cmd_prepare, "train": cmd_train, "export": cmd_export}[args.cmd](args)


if __name__ == "__main__":
    main()
