#!/usr/bin/python3
"""Head-role scores of an exported model, measured by our C++ engine (tscope-cli heads), as
issue 12 asks: on the repeated random sequence (<|endoftext|>, 50 random ids, the same 50; the ids
drawn from tokens seen >= 100 times in training; averaged over 8 seeds) and on 8 held-out windows
of the context length. Prints a markdown table and writes the numbers as JSON.

  python3 engine_heads.py --cli ../../build/app/tscope-cli --model ../default --out heads.json
"""
import argparse
import json
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EOT = 50256
SCORES = ("prev_token", "first_token", "self", "duplicate_token", "induction", "entropy")


def engine_scores(cli, model, ids):
    out = subprocess.run([cli, "heads", model, "--ids", ",".join(map(str, ids))],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["heads"]


def mean_scores(runs):
    """Per head, each score averaged over the runs (a null score is left out of its mean)."""
    table = {}
    for heads in runs:
        for h in heads:
            key = (h["layer"], h["head"])
            for s in SCORES:
                if h[s] is not None:
                    table.setdefault(key, {}).setdefault(s, []).append(h[s])
    return {key: {s: float(np.mean(v)) for s, v in scores.items()} for key, scores in table.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(HERE / "../../build/app/tscope-cli"))
    ap.add_argument("--model", default=str(HERE / "../default"))
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    train = np.load(HERE / "cache/train.npy")
    held = np.load(HERE / "cache/heldout.npy")
    common = np.nonzero(np.bincount(train, minlength=EOT + 1) >= 100)[0]
    ctx = json.loads(Path(args.model, "config.json").read_text())["n_positions"]

    repeated = []
    for seed in range(args.seeds):
        rnd = np.random.default_rng(seed).choice(common, size=args.n).tolist()
        repeated.append(engine_scores(args.cli, args.model, [EOT] + rnd + rnd))
    windows = [engine_scores(args.cli, args.model, held[w * ctx:(w + 1) * ctx].tolist()) for w in range(8)]
    probe, text = mean_scores(repeated), mean_scores(windows)

    print("| layer | head | prev_token | first_token | self | duplicate_token | induction | entropy | first_token (held-out) | prev_token (held-out) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key in sorted(probe):
        p, t = probe[key], text[key]
        cells = [f"{p.get(s, float('nan')):.3f}" for s in SCORES]
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + f" | {t['first_token']:.3f} | {t['prev_token']:.3f} |")
    best = {s: max(probe.values(), key=lambda v: v.get(s, 0)).get(s) for s in ("prev_token", "induction")}
    best["first_token_heldout"] = max(v["first_token"] for v in text.values())
    print("best:", json.dumps(best))
    if args.out:
        Path(args.out).write_text(json.dumps({
            "probe": {f"{l}.{h}": v for (l, h), v in probe.items()},
            "heldout_windows": {f"{l}.{h}": v for (l, h), v in text.items()},
            "best": best}, indent=1) + "\n")


if __name__ == "__main__":
    main()
