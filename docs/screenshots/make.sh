#!/usr/bin/env bash
# Regenerates the README's screenshots (and models/*_head.png) on the bundled model:
#   docs/screenshots/make.sh [BUILD_DIR]        (default: build; needs xvfb-run)
set -euo pipefail
cd "$(dirname "$0")/../.."
tscope="${1:-build}/app/tscope"
prompt="It was a dark and stormy night; the wind howled, and Mr. Holmes sat by the fire."
shot() {  # shot FILE ARGS...
    local file=$1; shift
    xvfb-run -a -s "-screen 0 1600x1000x24" "$tscope" --model models/default --prompt "$prompt" \
        --screenshot "$file" "$@"
}
shot docs/screenshots/tokens.png --view tokens --generate 6
shot docs/screenshots/embeddings.png --view embeddings
shot docs/screenshots/attention.png --view attention --layer 0 --head 3
shot docs/screenshots/layers.png --view layers
shot docs/screenshots/output.png --view output
# Research tools: the head atlas (previous-token score on the prompt, head 1.1 ablated; add
# --set source=probe for the repeated random probe), an ablation with its sweep, the patching
# grids of the IOI prompts from the README's CLI example (one patched cell opened), and "bank"
# in two contexts.
shot docs/screenshots/atlas.png --view heads --set score=prev_token --set ablate=1.1
shot docs/screenshots/ablation.png --view ablation --set heads=0.3 --set sweep=loss
shot docs/screenshots/patching.png --view patching --set run=1 --set cell=resid:0:9
shot docs/screenshots/compare.png --view compare --set layer=0 --set head=3
stat_head() {  # stat_head KEY: "layer head" of a head named in models/default/stats.json
    python3 -c "import json, sys; print(*json.load(open('models/default/stats.json'))[sys.argv[1]])" "$1"
}
# The head roles of models/README.md: the induction head on a sentence said twice (the second
# copy looks at the token after the same token in the first; <|endoftext|> starts the document,
# as in training, and is where the head rests when nothing repeats), and the previous-token head.
read -r layer head <<<"$(stat_head induction_head)"
sentence="The power clapper rang twice in the empty hall, and nobody came."
prompt="<|endoftext|>$sentence $sentence"
shot models/induction_head.png --view attention --layer "$layer" --head "$head"
read -r layer head <<<"$(stat_head prev_token_head)"
shot models/prev_token_head.png --view attention --layer "$layer" --head "$head"
