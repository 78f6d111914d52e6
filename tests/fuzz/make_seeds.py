#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz corpora (corpus/<harness>/seed-*). Deterministic, so the
committed seeds can be regenerated; crashers found later are added next to them as crash-*.
Usage: tests/fuzz/make_seeds.py   (from anywhere)"""
import json
import random
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def write(harness, name, data):
    d = HERE / "corpus" / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def pack(values, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    return b"".join(struct.pack("<f", v)[2:] for v in values)  # BF16: top half (truncated)


def safetensors(tensors, dtype="F32", metadata=True):
    """tensors: list of (name, shape, values), stored sorted by name, header padded to 8."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    for name, shape, values in sorted(tensors):
        raw = pack(values, dtype)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def tiny_model(prefix="", lm_head=False):
    """The model_forward harness's GPT-2: C = 8, H = 2, 2 layers, 8 positions, V = 64, F = 32."""
    rng = random.Random(1234)
    C, P, V, F, L = 8, 8, 64, 32, 2

    def normal(n):
        return [rng.gauss(0.0, 0.02) for _ in range(n)]

    t = [("wte.weight", [V, C], normal(V * C)), ("wpe.weight", [P, C], normal(P * C))]
    for i in range(L):
        h = f"h.{i}."
        t += [(h + "ln_1.weight", [C], [1.0] * C), (h + "ln_1.bias", [C], [0.0] * C),
              (h + "attn.c_attn.weight", [C, 3 * C], normal(3 * C * C)),
              (h + "attn.c_attn.bias", [3 * C], [0.0] * 3 * C),
              (h + "attn.c_proj.weight", [C, C], normal(C * C)), (h + "attn.c_proj.bias", [C], [0.0] * C),
              (h + "ln_2.weight", [C], [1.0] * C), (h + "ln_2.bias", [C], [0.0] * C),
              (h + "mlp.c_fc.weight", [C, F], normal(C * F)), (h + "mlp.c_fc.bias", [F], [0.0] * F),
              (h + "mlp.c_proj.weight", [F, C], normal(F * C)), (h + "mlp.c_proj.bias", [C], [0.0] * C),
              (h + "attn.bias", [1, 1, P, P], [float(c <= r) for r in range(P) for c in range(P)])]
    t += [("ln_f.weight", [C], [1.0] * C), ("ln_f.bias", [C], [0.0] * C)]
    t = [(prefix + n, s, v) for n, s, v in t]
    if lm_head:
        t.append(("lm_head.weight", [V, C], t[0][2]))
    return t


def safetensors_seeds():
    two = [("a", [2], [1.0, -2.0]), ("b", [2, 2], [0.5, 65504.0, 1e-8, float("inf")])]
    write("safetensors", "two-f32", safetensors(two))
    write("safetensors", "two-f16", safetensors(two, "F16"))
    write("safetensors", "two-bf16", safetensors(two, "BF16", metadata=False))
    write("safetensors", "empty-header", safetensors([], metadata=False))
    write("safetensors", "scalar-and-empty", safetensors([("s", [], [3.0]), ("z", [0, 4], [])]))
    write("safetensors", "tiny-model-f16", safetensors(tiny_model(), "F16"))


def model_seeds():
    write("model_forward", "f32", safetensors(tiny_model()))
    write("model_forward", "f16-prefix", safetensors(tiny_model("transformer."), "F16"))
    write("model_forward", "bf16-lm-head", safetensors(tiny_model(lm_head=True), "BF16"))


def config_seeds():
    fixture = (ROOT / "tests/fixtures/tiny-gpt2/config.json").read_text()
    write("config", "tiny-gpt2", fixture)
    write("config", "gpt2-minimal", json.dumps({"n_layer": 12, "n_head": 12, "n_embd": 768,
                                                "n_positions": 1024, "vocab_size": 50257}))
    write("config", "n-ctx-n-inner", json.dumps({
        "n_layer": 1, "n_head": 1, "n_embd": 4, "n_ctx": 16, "vocab_size": 300, "n_inner": None,
        "activation_function": "gelu_pytorch_tanh", "scale_attn_weights": True,
        "scale_attn_by_inverse_layer_idx": False, "add_cross_attention": False}))
    write("config", "not-object", "[1, 2, 3]")


def byte_vocab():
    """The 256 one-byte tokens of GPT-2's byte-level alphabet, ids 0..255 in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    spelling, extra = {}, 0
    for b in range(256):
        if b in printable:
            spelling[b] = chr(b)
        else:
            spelling[b] = chr(256 + extra)
            extra += 1
    return {spelling[b]: b for b in range(256)}


def tokenizer_seeds():
    vocab = byte_vocab()
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "o n", "Ġ w", "Ġw o", "r l", "Ġwo rl"]
    for m in merges:
        vocab.setdefault(m.replace(" ", ""), len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    sep = "\n#merges\n"
    write("tokenizer_load", "small", json.dumps(vocab, ensure_ascii=False) + sep +
          "#version: 0.2\n" + "\n".join(merges) + "\n")
    write("tokenizer_load", "bytes-only", json.dumps(byte_vocab(), ensure_ascii=False) + sep)
    write("tokenizer_load", "crlf-merges", json.dumps(vocab, ensure_ascii=False) + sep +
          "\r\n".join(merges[:3]) + "\r\n")


def roundtrip_seeds():
    texts = {
        "english": "Hello world! It's a test, isn't it? They've 1234 cats.\n",
        "spaces": "   leading\t\ttabs  and   runs of  spaces   \r\n\r\n\n",
        "unicode": "Ünïcödé façade — 日本語のテキスト 🙂👍🏽 ﷽ a\u0301",
        "special": "text<|endoftext|>more <|endoftext|><|endoftext|>",
        "code": "def f(x):\n    return x**2  # square\n",
    }
    for name, text in texts.items():
        write("tokenizer_roundtrip", name, text)
    write("tokenizer_roundtrip", "invalid-utf8", b"ok \xff\xfe \xc3( \xed\xa0\x80 \xf0\x9f\x98 end")


if __name__ == "__main__":
    safetensors_seeds()
    model_seeds()
    config_seeds()
    tokenizer_seeds()
    roundtrip_seeds()
