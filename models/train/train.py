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

    def init_query_key(self, std):
        """Queries and keys drawn wider than GPT-2's 0.02: with 0.02 every score q.k/sqrt(d) is
        about 0.05, attention starts flat, and the gradient of the bilinear q.k is proportional
        to that small scale, so heads stayed near uniform through our whole CPU budget."""
        with torch.no_grad():
            for block in self.h:
                c = block.c_attn.weight.shape[1]
                nn.init.normal_(block.c_attn.weight[: 2 * c], std=std)  # rows: q then k, then v

    def init_sinusoidal_positions(self, std):
        """wpe starts as the original Transformer's sinusoids (then is learned as usual): a fixed
        offset is then a rotation of each frequency pair, so a query/key map for "the previous
        token" is linear and gradient descent finds it early, instead of first having to give
        256 random position vectors a geometry."""
        n, c = self.wpe.weight.shape
        pos = torch.arange(n, dtype=torch.float32)[:, None]
        freq = torch.exp(-math.log(10000.0) * torch.arange(0, c, 2, dtype=torch.float32) / c)
        table = torch.zeros(n, c)
        table[:, 0::2], table[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        with torch.no_grad():
            self.wpe.weight.copy_(table * std * math.sqrt(2))  # per-entry std `std`

    def final_hidden(self, idx, want_probs=False):
        """ln_f output (B, T, C) and each layer's attention probabilities (or Nones)."""
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        all_probs = []
        for block in self.h:
            x, probs = block(x, want_probs)
            all_probs.append(probs)
        return self.ln_f(x), all_probs

    def forward(self, idx, want_probs=False, vocab_ids=None):
        """logits (B, T, V), or (B, T, len(vocab_ids)) over just those tokens when given."""
        h, all_probs = self.final_hidden(idx, want_probs)
        unembed = self.wte.weight if vocab_ids is None else self.wte.weight[vocab_ids]
        return h @ unembed.T, all_probs  # LM head tied to wte, as in GPT-2


# ---------------------------------------------------------------- training

class CrossEntropy(torch.autograd.Function):
    """Fused next-token loss. On this CPU torch 1.13's exp is the costliest op after the matmuls
    (one 2048 x 30832 exp took as long as a third of the step), so the softmax is computed once,
    in place, kept for backward, and reused as the gradient buffer."""

    @staticmethod
    def forward(ctx, logits, targets):  # logits (N, V), targets (N,)
        picked = logits.gather(1, targets[:, None])[:, 0]
        peak = logits.max(-1, keepdim=True).values
        probs = (logits - peak).exp_()
        total = probs.sum(-1, keepdim=True)
        probs.div_(total)
        ctx.save_for_backward(probs, targets)
        lse = peak[:, 0] + total[:, 0].log()
        return (lse - picked).mean()

    @staticmethod
    def backward(ctx, grad_out):
        probs, targets = ctx.saved_tensors
        grad = probs  # softmax - onehot, scaled; the saved buffer is not needed again
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


def random_repeat_rows(common, batch, n, gen):
    """(batch, 2n+1) rows: <|endoftext|>, n random common tokens, the same n again — the research
    probe's shape. Natural passages repeat with their grammar; random ones can only be predicted by
    looking up what followed the earlier copy, so they teach induction on any tokens."""
    rnd = common[torch.randint(0, len(common), (batch, n), generator=gen)]
    return torch.cat([torch.full((batch, 1), EOT), rnd, rnd], dim=1)


def second_copy_loss(model, rows, seen, n, batch_softmax=False):
    """Next-token loss of (B, 2n+1) random-repeat rows on the second copy only: inputs n+1 .. 2n−1
    predict tokens n+2 .. 2n, each the token after an earlier occurrence. The first copy is
    random and would only teach the model to guess common tokens, which costs held-out loss.
    `batch_softmax`: the softmax is over the tokens of these rows only (a sampled softmax): copying
    is learnt by telling the right token from the other random ones, at a fraction of the cost."""
    h, _ = model.final_hidden(rows[:, :2 * n])
    h = h[:, n + 1:2 * n]  # (B, n−1, C)
    if batch_softmax:
        candidates, index = torch.unique(rows[:, 1:n + 1], return_inverse=True)
        logits = h @ model.wte.weight[candidates].T
        targets = index[:, 1:n]  # the second copy equals the first
    else:
        logits = h @ model.wte.weight[seen.ids].T
        targets = seen.index[rows[:, n + 2:2 * n + 1]]
    return CrossEntropy.apply(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def repeat_rows(data, batch, T, gen):
    """(batch, T+1) rows, each one passage of 8..T/2 tokens tiled: after its first copy every
    token is predictable by looking up what followed its earlier occurrence."""
    rows = []
    for _ in range(batch):
        n = int(torch.randint(8, T // 2 + 1, (1,), generator=gen))
        s = int(torch.randint(0, len(data) - n, (1,), generator=gen))
        rows.append(data[s:s + n].repeat((T + 1) // n + 1)[:T + 1])
    return torch.stack(rows)


class SeenVocab:
    """The token ids that occur in the training novels (30,832 of 50,257). Only these can ever be
    a training target, so the softmax is taken over them alone: the output layer is most of a
    step's cost and this makes it 1.6x cheaper. The other rows of wte are filled at export."""

    def __init__(self, train_ids):
        counts = np.bincount(train_ids, minlength=CONFIG["vocab_size"])
        counts[EOT] = max(counts[EOT], 1)
        self.counts = counts
        self.ids = torch.from_numpy(np.nonzero(counts)[0])
        self.index = torch.full((CONFIG["vocab_size"],), -1, dtype=torch.int64)
        self.index[self.ids] = torch.arange(len(self.ids))


def next_token_loss(model, rows, seen=None, frequent=None):
    """Mean next-token loss of (B, T+1) rows: softmax over the whole vocabulary, over the seen
    tokens, or (`frequent` given) over those ids plus this batch's targets. The last is a
    truncated softmax: 4x cheaper, and it slightly over-rates rare tokens (they are pushed down
    only in steps where they occur), so training ends with a stretch over all seen tokens."""
    if frequent is not None:
        candidates, targets = torch.unique(torch.cat([frequent, rows[:, 1:].reshape(-1)]), return_inverse=True)
        targets = targets[len(frequent):]
        logits, _ = model(rows[:, :-1], vocab_ids=candidates)
    elif seen is None:
        logits, _ = model(rows[:, :-1])
        targets = rows[:, 1:]
    else:
        logits, _ = model(rows[:, :-1], vocab_ids=seen.ids)
        targets = seen.index[rows[:, 1:]]
    return CrossEntropy.apply(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def param_groups(model, pos_decay):
    """Weight decay 0.1 on matrices, none on biases and layer norms; wpe optionally exempt. Token
    embeddings grow to std ~0.15 (they are the output layer too) while decay holds wpe near its
    0.02 init: after ln_1 position is then ~1 % of the signal and no head can find "the previous
    token"."""
    decay, plain = [], []
    for name, p in model.named_parameters():
        keep = p.dim() < 2 or (name == "wpe.weight" and not pos_decay)
        (plain if keep else decay).append(p)
    return [{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}]


def add_layer(model, at):
    """The model with one more block at index `at` (the old blocks from there move up one), whose
    two output projections start at zero: it computes exactly what `model` did (same held-out
    loss), and the new block can only learn what helps. Right after layer 0, with the old blocks
    frozen, it can become an induction layer: its heads read layer 0's previous-token head from
    the residual stream (K-composition)."""
    CONFIG["n_layer"] += 1
    bigger = GPT(CONFIG)
    at = at if at >= 0 else CONFIG["n_layer"] - 1

    def moved(name):  # h.i.* → h.(i+1).* for the blocks at or after `at`
        if not name.startswith("h."):
            return name
        i = int(name.split(".")[1])
        return name.replace(f"h.{i}.", f"h.{i + 1 if i >= at else i}.", 1)

    old = {moved(k): v for k, v in model.state_dict().items()}
    missing = bigger.load_state_dict(old, strict=False).missing_keys
    assert all(k.startswith(f"h.{at}.") for k in missing), missing
    new = bigger.h[at]
    with torch.no_grad():
        c = new.c_attn.weight.shape[1]
        nn.init.normal_(new.c_attn.weight[: 2 * c], std=0.1)  # as init_query_key
        for proj in (new.attn_proj, new.mlp_proj):
            proj.weight.zero_()
            proj.bias.zero_()
    return bigger


def layers_in(state_dict):
    """n_layer of a checkpoint (one with an added block has more than the script's CONFIG)."""
    return 1 + max(int(k.split(".")[1]) for k in state_dict if k.startswith("h."))


def model_from(state_dict):
    """A GPT holding a checkpoint's weights, with its layer count (CONFIG follows it)."""
    CONFIG["n_layer"] = layers_in(state_dict)
    model = GPT(CONFIG)
    model.load_state_dict(state_dict)
    return model


def cmd_train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    # A trained model's softmax has many probabilities below 1e-38; as denormals they made every
    # op that touches the (tokens x vocab) gradient ~20x slower when continuing from models/default.
    torch.set_flush_denormal(True)
    data = torch.from_numpy(np.load(CACHE / "train.npy").astype(np.int64))
    T = args.context or CONFIG["n_positions"]
    model = GPT(CONFIG)
    if args.positions == "sinusoidal":
        model.init_sinusoidal_positions(args.pos_std)
    model.init_query_key(args.qk_std)
    seen = SeenVocab(data.numpy()) if args.vocab == "seen" else None
    counts = np.bincount(data.numpy(), minlength=CONFIG["vocab_size"])
    frequent = torch.from_numpy(np.argsort(-counts, kind="stable")[: args.frequent]) if args.frequent else None
    gen = torch.Generator().manual_seed(args.seed)
    start, base_wall = 0, 0.0
    ckpt = CACHE / args.ckpt
    if args.init_from:  # a second phase: weights from an earlier run, fresh optimiser and schedule
        model = model_from(torch.load(CACHE / args.init_from)["model"])
    if args.init_from_model:  # continue from an exported model (e.g. models/default)
        CONFIG["n_layer"] = json.loads(Path(args.init_from_model, "config.json").read_text())["n_layer"]
        model = GPT(CONFIG)
        import_tensors(model, args.init_from_model)
    if args.add_layer is not None:
        model = add_layer(model, args.add_layer)
    resume = torch.load(ckpt) if ckpt.exists() and args.resume else None
    if resume:
        model = model_from(resume["model"])
    common = torch.from_numpy(np.nonzero(counts >= 100)[0])
    for name, p in model.named_parameters():  # e.g. keep layer 0's previous-token head as it is
        if any(name.startswith(prefix) for prefix in filter(None, args.freeze.split(","))):
            p.requires_grad_(False)
    opt = torch.optim.AdamW(param_groups(model, args.pos_decay), lr=args.lr, betas=(0.9, 0.95))
    if resume:
        state = resume
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        start = state["step"]
        base_wall = state.get("wall_s", 0.0)  # training time before this resume
    t0 = time.time()
    log = open(CACHE / f"{Path(args.ckpt).stem}.log", "a")  # one log per phase
    for step in range(start, min(args.steps, args.stop_at or args.steps)):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        loss = torch.zeros(())
        if args.batch:  # 0: a phase of repeated random rows alone
            rows = batch_rows(data, args.batch, T, args.repeat_frac, gen)
            loss = next_token_loss(model, rows, seen, frequent if step < args.frequent_until else None)
        if args.repeat_batch:  # plus short rows that repeat a passage, in the same step
            repeats = repeat_rows(data, args.repeat_batch, args.repeat_len, gen)
            share = repeats.numel() / (repeats.numel() + args.batch * (T + 1))  # weight by tokens
            loss = (1 - share) * loss + share * next_token_loss(model, repeats, seen)
        if args.random_repeat_batch:  # plus the probe's shape: random tokens, then again
            # n varies from step to step: with one fixed n, "look n − 1 back" (positions alone) solves
            # the task, and layer 0 learnt exactly that instead of an induction head
            n = int(torch.randint(args.random_repeat_min, args.random_repeat_len + 1, (1,), generator=gen))
            repeats = random_repeat_rows(common, args.random_repeat_batch, n, gen)
            copy_loss = second_copy_loss(model, repeats, seen, n, args.random_repeat_softmax == "batch")
            loss = loss + args.random_repeat_weight * copy_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        elapsed = time.time() - t0
        copy = f" copy {copy_loss.item():.3f} n {n}" if args.random_repeat_batch else ""
        line = f"step {step + 1}/{args.steps} loss {loss.item():.4f}{copy} elapsed {elapsed:.0f}s tok/s {(step + 1 - start) * args.batch * T / elapsed:.0f}"
        print(line, file=log, flush=True)
        if (step + 1) % 50 == 0 or step + 1 in (args.steps, args.stop_at):
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                        "step": step + 1, "wall_s": base_wall + elapsed, "seen_vocab": seen is not None}, ckpt)


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


def head_stats(model, held, T, seen):
    """Per head: mean attention to the previous token, to position 0, and induction score. The
    repeated random sequence draws from tokens that occur at least 100 times in training: a
    token the model never saw has no learned embedding to match on."""
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
        L = min(50, (T - 1) // 2)  # two copies and the leading EOT fit in T
        common = torch.from_numpy(np.nonzero(seen.counts >= 100)[0])
        rnd = common[torch.randint(0, len(common), (8, L), generator=g)]
        seq = torch.cat([torch.full((8, 1), EOT), rnd, rnd], dim=1)
        _, probs = model(seq, want_probs=True)
        ind = np.zeros((n_layer, n_head))
        for l, p in enumerate(probs):
            t = torch.arange(L + 1, 2 * L + 1)  # second copy: attend to the token after the earlier occurrence
            ind[l] = p[:, :, t, t - L + 1].mean(dim=(0, 2)).numpy()
    return prev, first, ind


def offset_profile(model, held, T, layer, head, offsets=5):
    """One head on 8 held-out windows: mean weight on the keys 0..offsets-1 back from the query
    (0 = itself), and how often the previous token is its strongest key."""
    with torch.no_grad():
        x = torch.from_numpy(held[:8 * T].astype(np.int64)).view(8, T)
        p = model(x, want_probs=True)[1][layer][:, head]  # (B, T, T)
        t = torch.arange(offsets - 1, T)
        weights = [round(float(p[:, t, t - k].mean()), 3) for k in range(offsets)]
        argmax_prev = float((p[:, t].argmax(-1) == t - 1).float().mean())
    return {"weight_by_offset": weights, "previous_is_strongest": round(argmax_prev, 3)}


def ablation_loss(model, held, T, windows, layer, head):
    """Held-out loss with one head's output removed (its columns of c_proj zeroed): how much the
    model relies on that head."""
    proj = model.h[layer].attn_proj.weight  # (C, C): input columns are the heads' outputs
    hd = proj.shape[1] // CONFIG["n_head"]
    saved = proj[:, head * hd:(head + 1) * hd].clone()
    with torch.no_grad():
        proj[:, head * hd:(head + 1) * hd] = 0
        loss = heldout_loss(model, held, T, windows)
        proj[:, head * hd:(head + 1) * hd] = saved
    return loss


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
    out = {}
    for name, hf_name in export_names().items():
        w = sd[name]
        is_linear = name.endswith(".weight") and w.dim() == 2 and name.startswith("h.")
        out[hf_name] = w.T.contiguous() if is_linear else w
    return out


def import_tensors(model, folder):
    """Loads an exported model (HF names, F16 safetensors) back into `model`: the inverse of
    export_tensors, so training can continue from what ships in models/default."""
    raw = Path(folder, "model.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    dtypes = {"F16": np.float16, "F32": np.float32}
    hf = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        values = np.frombuffer(raw[8 + n + lo:8 + n + hi], dtype=dtypes[info["dtype"]])
        hf[name] = torch.from_numpy(values.astype(np.float32).reshape(info["shape"]))
    ours = {}
    for name, hf_name in export_names().items():
        w = hf[hf_name]
        is_linear = name.endswith(".weight") and w.dim() == 2 and name.startswith("h.")
        ours[name] = w.T.contiguous() if is_linear else w
    model.load_state_dict(ours)


def export_names():
    """Our state-dict name -> the Hugging Face GPT-2 name."""
    names = {"wte.weight": "wte.weight", "wpe.weight": "wpe.weight", "ln_f.weight": "ln_f.weight",
             "ln_f.bias": "ln_f.bias"}
    parts = {"ln_1": "ln_1", "ln_2": "ln_2", "c_attn": "attn.c_attn", "attn_proj": "attn.c_proj",
             "c_fc": "mlp.c_fc", "mlp_proj": "mlp.c_proj"}
    for i in range(CONFIG["n_layer"]):
        for ours, hf in parts.items():
            for kind in ("weight", "bias"):
                names[f"h.{i}.{ours}.{kind}"] = f"h.{i}.{hf}.{kind}"
    return names


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


def final_hidden(model, ids, T, windows):
    """ln_f outputs over `windows` windows of `ids`: (windows * T, C)."""
    with torch.no_grad():
        x = torch.from_numpy(ids[:windows * T].astype(np.int64)).view(windows, T)
        return model.final_hidden(x)[0].reshape(windows * T, -1)


def unseen_mass(model, ids, T, windows, unseen):
    """Mean probability the model gives to never-seen tokens, over `windows` windows of `ids`."""
    with torch.no_grad():
        x = torch.from_numpy(ids[:windows * T].astype(np.int64)).view(windows, T)
        p = model(x)[0].softmax(-1)
        return p[..., unseen].sum(-1).mean().item()


def fill_unseen_rows(model, seen, train, T):
    """Rows of wte for tokens absent from the training novels got no gradient (see SeenVocab).
    They all get one vector w, chosen so that together they take as little probability as
    possible: minimise log sum_t (#unseen) exp(h_t.w - lse_t) over final hidden states h_t of
    training text, a convex problem, with |w| at most the largest seen row's norm. Full-vocabulary
    training would push those rows the same way, down along the hidden states."""
    unseen = torch.from_numpy(np.nonzero(seen.counts == 0)[0])
    fit, check = train[1_000_000:], train[3_000_000:]
    h = final_hidden(model, fit, T, 16)  # (N, C)
    with torch.no_grad():
        rows = model.wte.weight[seen.ids]
        lse = torch.logsumexp(h @ rows.T, -1)  # (N,) over the seen tokens
        radius = rows.norm(dim=1).max()
    w = rows[seen.counts[seen.ids] == 1].mean(0).clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=0.02)
    for _ in range(300):
        objective = torch.logsumexp(h @ w - lse, 0)
        opt.zero_grad()
        objective.backward()
        opt.step()
        with torch.no_grad():
            w *= torch.clamp(radius / w.norm(), max=1.0)
    with torch.no_grad():
        model.wte.weight[unseen] = w.detach().half().float()
    return {"unseen_tokens": len(unseen), "unseen_mass_train": unseen_mass(model, check, T, 8, unseen)}


def cmd_probe(args):
    """Head table and a quick held-out loss of a checkpoint, while training runs."""
    torch.set_num_threads(1)
    state = torch.load(CACHE / args.ckpt)
    model = model_from(state["model"])
    model.eval()
    held = np.load(CACHE / "heldout.npy")
    seen = SeenVocab(np.load(CACHE / "train.npy"))
    T = args.context or CONFIG["n_positions"]
    prev, first, ind = head_stats(model, held, T, seen)
    with torch.no_grad():
        x = torch.from_numpy(held[:4 * T + 1].astype(np.int64))
        rows = torch.stack([x[w * T:(w + 1) * T + 1] for w in range(4)])
        logits, _ = model(rows[:, :-1], vocab_ids=seen.ids)
        targets = seen.index[rows[:, 1:]]  # -1: a token absent from training, skipped here
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1).item()
    print(f"step {state['step']} held-out (4 windows, seen tokens only) {loss:.3f}")
    print("layer head  prev  first  induction")
    for l in range(CONFIG["n_layer"]):
        for h in range(CONFIG["n_head"]):
            print(f"{l:5d} {h:4d} {prev[l, h]:.3f} {first[l, h]:.3f} {ind[l, h]:.3f}")


def cmd_export(args):
    state = torch.load(CACHE / args.ckpt)
    model = model_from(state["model"])
    # evaluate what ships: round to F16 first
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    held = np.load(CACHE / "heldout.npy")
    train = np.load(CACHE / "train.npy")
    seen = SeenVocab(train)
    T = CONFIG["n_positions"]
    model.eval()
    fill = fill_unseen_rows(model, seen, train, T) if state.get("seen_vocab", True) else {}
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
    enc = gpt2_bpe.Encoder(tok / "vocab.json", tok / "merges.txt")
    inv = {v: k for k, v in enc.encoder.items()}
    byte_dec = {c: b for b, c in enc.byte_encoder.items()}
    dec = lambda ids: bytes(byte_dec[c] for i in ids for c in inv[i]).decode("utf-8", errors="replace")
    uni, bi, lam = ngram_baselines(train, held)
    prev, first, ind = head_stats(model, held, T, seen)
    # the clearest head by its strongest role, and what removing it costs
    strongest = lambda score: [int(i) for i in np.unravel_index(score.argmax(), score.shape)]
    clear_layer, clear_head = strongest(np.maximum(np.maximum(prev, first), ind))
    loss_fixed = heldout_loss(model, held, T, 16)
    stats = {
        "config": CONFIG, "steps": state["step"], "wall_s": state.get("wall_s"),
        "train_tokens": int(len(train)), "heldout_tokens": int(len(held)),
        "heldout_loss_fixed_slice": loss_fixed,
        "clearest_head": [clear_layer, clear_head],
        "prev_token_head": strongest(prev), "induction_head": strongest(ind), "first_token_head": strongest(first),
        "clearest_head_profile": offset_profile(model, held, T, clear_layer, clear_head),
        "heldout_loss_fixed_slice_without_clearest_head": ablation_loss(model, held, T, 16, clear_layer, clear_head),
        "heldout_loss_slice": "first 16 x 256 tokens of heldout (pg174 then pg42), next-token loss, nats/token",
        "heldout_loss_all": heldout_loss(model, held, T, min(200, len(held) // T - 1)),
        "train_loss": heldout_loss(model, train[1_000_000:], T, 64),
        **fill,
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
    tr.add_argument("--steps", type=int, default=2400, help="length of the lr schedule")
    tr.add_argument("--batch", type=int, default=8, help="rows of n_positions tokens per step")
    tr.add_argument("--lr", type=float, default=3e-3)
    tr.add_argument("--warmup", type=int, default=100)
    tr.add_argument("--seed", type=int, default=1337)
    tr.add_argument("--threads", type=int, default=2)
    tr.add_argument("--resume", action="store_true")
    tr.add_argument("--stop-at", type=int, default=0, help="stop after this step (schedule unchanged)")
    tr.add_argument("--ckpt", default="ckpt.pt", help="checkpoint file in cache/ to write (and resume)")
    tr.add_argument("--init-from", default="", help="start from this checkpoint's weights in cache/")
    tr.add_argument("--context", type=int, default=0, help="training row length (0 = n_positions)")
    tr.add_argument("--vocab", choices=("seen", "all"), default="seen", help="softmax over the tokens of the training text, or all 50257")
    tr.add_argument("--frequent", type=int, default=0, help="truncated softmax: the N most frequent tokens + batch targets")
    tr.add_argument("--frequent-until", type=int, default=10**9, help="step from which the softmax is over all seen tokens again")
    tr.add_argument("--positions", choices=("sinusoidal", "random"), default="sinusoidal", help="wpe init")
    tr.add_argument("--pos-std", type=float, default=0.1, help="per-entry std of the sinusoidal wpe")
    tr.add_argument("--pos-decay", type=int, default=0, help="1: weight-decay wpe like other matrices")
    tr.add_argument("--qk-std", type=float, default=0.1, help="init std of query/key weights (GPT-2: 0.02)")
    tr.add_argument("--repeat-frac", type=float, default=0.0, help="share of rows that repeat a passage")
    tr.add_argument("--repeat-batch", type=int, default=0, help="extra rows per step that tile a passage")
    tr.add_argument("--repeat-len", type=int, default=128, help="length of those rows")
    tr.add_argument("--init-from-model", default="", help="start from an exported model directory (HF layout)")
    tr.add_argument("--random-repeat-batch", type=int, default=0, help="extra rows per step: EOT + n random common tokens + the same n")
    tr.add_argument("--random-repeat-len", type=int, default=50, help="largest n of those rows")
    tr.add_argument("--random-repeat-min", type=int, default=50, help="smallest n (drawn per step)")
    tr.add_argument("--random-repeat-weight", type=float, default=0.5, help="weight of their second-copy loss")
    tr.add_argument("--random-repeat-softmax", choices=("seen", "batch"), default="seen", help="their softmax: over all seen tokens, or over the tokens of those rows")
    tr.add_argument("--add-layer", type=int, default=None, metavar="AT", help="insert a block at index AT (-1: after the last) whose output starts at zero")
    tr.add_argument("--freeze", default="", help="comma-separated parameter name prefixes not trained (h.0.,wte,wpe)")
    ex = sub.add_parser("export")
    ex.add_argument("--out", default=str(HERE / "../default"))
    ex.add_argument("--tokenizer", default=str(HERE / "../../../shared/gpt2-tokenizer"))
    ex.add_argument("--seed", type=int, default=1337)
    ex.add_argument("--ckpt", default="ckpt.pt", help="checkpoint file in cache/ to export")
    pb = sub.add_parser("probe")
    pb.add_argument("--ckpt", default="ckpt.pt")
    pb.add_argument("--context", type=int, default=0, help="window length (0 = n_positions)")
    args = p.parse_args()
    {"prepare": cmd_prepare, "train": cmd_train, "export": cmd_export, "probe": cmd_probe}[args.cmd](args)


if __name__ == "__main__":
    main()
