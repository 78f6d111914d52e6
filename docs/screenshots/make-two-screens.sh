#!/usr/bin/env bash
# Regenerates the README's two-screen pictures: an X server with two screens (Xvfb :N.0 1280×720
# as the laptop, :N.1 1920×1080 as the projector), tscope in presenter mode on the talk's example
# session, then each screen grabbed by a small Qt program built here (what QGuiApplication::
# screens() reports is printed).   docs/screenshots/make-two-screens.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
tscope="${1:-build}/app/tscope"
out=docs/screenshots/presenter
work=$(mktemp -d)
display=:$((90 + RANDOM % 100))
cat >"$work/grab.cpp" <<'CPP'
#include <QGuiApplication>
#include <QPixmap>
#include <QScreen>
#include <cstdio>
int main(int argc, char** argv) {  // grab.cpp OUT_PREFIX
    QGuiApplication app(argc, argv);
    int i = 0;
    for (QScreen* s : QGuiApplication::screens()) {
        const QRect g = s->geometry();
        std::printf("screen %d: %dx%d\n", i, g.width(), g.height());
        s->grabWindow(0).save(QString("%1-%2.png").arg(argv[1]).arg(i++));
    }
}
CPP
g++ -std=c++17 -fPIC "$work/grab.cpp" -o "$work/grab" $(pkg-config --cflags --libs Qt6Gui)
Xvfb "$display" -screen 0 1280x720x24 -screen 1 1920x1080x24 -nolisten tcp &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
sleep 2
DISPLAY=$display "$tscope" --session resources/sessions/the-power-clapper.tscope --present \
    --stage 4.1 &
app=$!
sleep 10  # the model loads, the session replays, the windows settle
DISPLAY=$display "$work/grab" "$work/screen"
kill $app
cp "$work/screen-0.png" "$out/two-screens-laptop.png"
cp "$work/screen-1.png" "$out/two-screens-projector.png"
