#!/usr/bin/env bash
# usage: installed_layout.sh PREFIX VERSION HAVE_GUI
# The installed programs find their data under PREFIX/share/tscope from their own location only:
# `tscope-cli info default` and `tscope --screenshot` load the bundled model from the prefix, and
# both fail while the prefix's models are hidden, so nothing else (the source or build tree)
# supplied it. Also: every packaged file is in place, --version, and --help without a display.
set -euo pipefail
prefix=$(realpath "$1") version=$2 have_gui=$3
models=$prefix/share/tscope/models
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
restore() {
    if [ -d "$models.hidden" ]; then mv "$models.hidden" "$models"; fi
    rm -rf "$work"
}
trap restore EXIT
# no user settings, downloaded models or overrides; a working directory without ./default
export HOME=$work
unset TSCOPE_DATA_DIR TSCOPE_MODELS_DIR XDG_DATA_HOME XDG_CONFIG_HOME
cd "$work"

expect_file() { for f in "$@"; do [ -f "$prefix/$f" ] || fail "not installed: $f"; done; }
expect_file bin/tscope-cli share/tscope/gpt2-tokenizer/vocab.json share/tscope/gpt2-tokenizer/merges.txt \
    share/tscope/models/default/config.json share/tscope/models/default/model.safetensors \
    share/doc/transformerscope/copyright share/doc/transformerscope/LICENSE share/man/man1/tscope-cli.1.gz
[ -e "$prefix/share/tscope/resources.qrc" ] && fail "resources.qrc is compiled in, not installed"

cli=$prefix/bin/tscope-cli
[ "$("$cli" --version | head -1)" = "tscope-cli $version" ] || fail "tscope-cli --version: $("$cli" --version)"
info=$("$cli" --compact info default)
n_layer=$(grep -o '"n_layer": *[0-9]*' "$models/default/config.json" | grep -o '[0-9]*$')
for field in "\"model_dir\":\"$models/default\"" "\"n_layer\":$n_layer" '"tokenizer":"model"'; do
    grep -qF "$field" <<<"$info" || fail "tscope-cli info default lacks $field: $info"
done
tokens=$("$cli" --compact tokenize default "The power clapper")
grep -qF '"ids":[464,1176,537,11463]' <<<"$tokens" || fail "tokenize default: $tokens"
# a model directory without vocab.json/merges.txt gets the installed GPT-2 tokenizer
mkdir novocab && cp "$models/default/config.json" "$models/default/model.safetensors" novocab/
grep -qF '"tokenizer":"bundled-gpt2"' <<<"$("$cli" --compact info novocab)" ||
    fail "the bundled GPT-2 tokenizer was not found"

gui=$prefix/bin/tscope
if [ "$have_gui" = 1 ]; then
    expect_file bin/tscope share/applications/tscope.desktop share/man/man1/tscope.1.gz \
        share/icons/hicolor/scalable/apps/tscope.svg \
        share/metainfo/io.github.transformerscope.TransformerScope.metainfo.xml
    for size in 16 22 24 32 48 64 128 256 512; do
        png=share/icons/hicolor/${size}x${size}/apps/tscope.png
        expect_file "$png"
        [ "$(od -An -tu1 -j18 -N2 "$prefix/$png" | tr -s ' ')" = " $((size / 256)) $((size % 256))" ] ||
            fail "$png is not ${size} pixels wide"
    done
    [ "$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$gui" --version | head -1)" = "tscope $version" ] ||
        fail "tscope --version without a display"
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$gui" --help | grep -q -- "--screenshot" ||
        fail "tscope --help without a display"
    QT_QPA_PLATFORM=offscreen "$gui" --screenshot shot.png --view output ||
        fail "tscope --screenshot did not open the bundled model"
    [ "$(od -An -tu1 -j16 -N8 shot.png | tr -s ' ')" = " 0 0 6 64 0 0 3 232" ] ||
        fail "shot.png is not a 1600x1000 PNG"
fi

# Hide the prefix's models: now both must fail, so it was the prefix that supplied the model.
mv "$models" "$models.hidden"
if "$cli" info default 2>err.txt; then fail "tscope-cli info default worked without the prefix's models"; fi
grep -q "bundled model name" err.txt || fail "unclear message: $(cat err.txt)"
if [ "$have_gui" = 1 ]; then
    if QT_QPA_PLATFORM=offscreen "$gui" --screenshot hidden.png 2>err.txt; then
        fail "tscope --screenshot found a model without the prefix's models"
    fi
    grep -q "no model found" err.txt || fail "unclear message: $(cat err.txt)"
fi
echo "installed layout OK: $prefix"
