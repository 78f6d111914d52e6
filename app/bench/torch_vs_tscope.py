#!/usr/bin/python3
"""Prefill of tscope (tscope-bench BM_PrefillModelDir) and of a plain PyTorch GPT-2
(torch_gpt2.py) on the same safetensors weights, alternating run by run, with the same
thread count; prints the median of each and the ratio torch / tscope per T.

  app/bench/torch_vs_tscope.py [--bench build/app/tscope-bench] [--model DIR] [--rounds 5]
      [--threads 2] [--capture 0] [--T 16 64 256 1024]

Without --model, writes a random GPT-2-small-shaped model (std 0.02) to a temporary directory.
Run it under the build lock with the fuzzers paused, like every benchmark here.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def tscope_ms(bench, model, T, capture, threads):
    env = dict(os.environ, TSCOPE_BENCH_MODEL=model, TSCOPE_BENCH_THREADS=str(threads))
    out = subprocess.run([bench, f"--benchmark_filter=BM_PrefillModelDir/T:{T}/capture:{capture}/",
                          "--benchmark_format=json", "--benchmark_min_time=1"],
                         env=env, check=True, capture_output=True, text=True).stdout
    (run,) = json.loads(out)["benchmarks"]
    return run["real_time"]  # ms (the benchmark's unit)


def torch_ms(model, T, threads, reps=3):
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_gpt2.py"), "prefill", model,
                          "--T", str(T), "--threads", str(threads), "--reps", str(reps)],
                         check=True, capture_output=True, text=True).stdout
    return statistics.median(json.loads(out)["ms"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="build/app/tscope-bench")
    ap.add_argument("--model")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--capture", type=int, default=0, help="0 none, 1 attention, 2 full")
    ap.add_argument("--T", type=int, nargs="+", default=[16, 64, 256, 1024])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tscope-torch-") as tmp:
        model = args.model or tmp
        if not args.model:
            subprocess.run([sys.executable, os.path.join(HERE, "torch_gpt2.py"), "write", model], check=True)
        times = {T: {"tscope": [], "torch": []} for T in args.T}
        for r in range(args.rounds):
            for T in args.T:
                times[T]["tscope"].append(tscope_ms(args.bench, model, T, args.capture, args.threads))
                times[T]["torch"].append(torch_ms(model, T, args.threads))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'T':>5} {'tscope ms':>10} {'torch ms':>10} {'torch/tscope':>13}")
    for T in args.T:
        a, b = statistics.median(times[T]["tscope"]), statistics.median(times[T]["torch"])
        print(f"{T:>5} {a:>10.1f} {b:>10.1f} {b / a:>13.2f}")


if __name__ == "__main__":
    main()
