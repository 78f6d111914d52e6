# `cpack -G DEB` in a build directory makes transformerscope_VERSION_ARCH.deb from the install
# rules (app/CMakeLists.txt: the programs; packaging/CMakeLists.txt: data, desktop files, docs).
# The version is project(VERSION) in the top CMakeLists.txt; library dependencies come from
# dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME "transformerscope")
set(CPACK_PACKAGE_VENDOR "TransformerScope developers")
set(CPACK_PACKAGE_CONTACT "TransformerScope developers <dev@transformerscope.invalid>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/transformerscope/transformerscope")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "see GPT-2 work: tokens, attention heads, layers and sampling")
# Lines of at most 80 columns, as Debian's control files want them; CPack indents them.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "TransformerScope opens up GPT-2 while it runs. Type a prompt and see, live"
    "and exact, how the text is cut into tokens, the embedding of each token,"
    "which words every attention head looks at, how each layer changes the"
    "residual stream, and the softmax over the next token with a temperature"
    "slider; then step the generation one token at a time, feeding each pick"
    "back in."
    ""
    "A small GPT-2 trained on public-domain novels is included, so the app works"
    "offline; the real GPT-2 models download from the Hugging Face hub on demand."
    "The package holds the desktop app (tscope) and a command-line tool with JSON"
    "output (tscope-cli).")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # transformerscope_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Qt loads these as plugins, so dpkg-shlibdeps cannot see them: native Wayland windows
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
