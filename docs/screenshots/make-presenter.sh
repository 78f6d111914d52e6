#!/usr/bin/env bash
# Regenerates the README's presenter-mode pictures: every stage (and beat) of the talk's example
# session on the bundled model, at 1280×720, the projector size the stages are designed for.
#   docs/screenshots/make-presenter.sh [BUILD_DIR] [WIDTHxHEIGHT]   (default: build 1280x720)
set -euo pipefail
cd "$(dirname "$0")/../.."
tscope="${1:-build}/app/tscope"
size="${2:-1280x720}"
out=docs/screenshots/presenter
mkdir -p "$out"
shot() {  # shot STAGE[.BEAT] FILE ARGS...
    local stage=$1 file=$2; shift 2
    QT_QPA_PLATFORM=offscreen "$tscope" --session resources/sessions/the-power-clapper.tscope \
        --present --stage "$stage" --size "$size" --screenshot "$out/$file" "$@"
}
shot 1 1-model.png
shot 2.1 2-prompt.png
shot 2.2 2-tokens.png
shot 3 3-embedding.png
shot 4.1 4-attention-query-keys.png
shot 4.2 4-attention-scores.png
shot 4.3 4-attention-softmax.png
shot 4.4 4-attention-weighted-sum.png
shot 4.5 4-attention-heads.png
shot 5 5-layers.png
shot 6 6-unembedding.png
shot 7 7-softmax.png
shot 8.1 8-sample.png
shot 8.2 8-sampled.png --generate 1
shot 9 9-feed-back.png --generate 1
