# `cpack -G DEB` in a build directory makes a Debian package of tscope, tscope-cli, the bundled
# default model and the GPT-2 tokenizer files (installed under share/tscope).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/gpt2-tokenizer DESTINATION share/tscope)
if(EXISTS ${PROJECT_SOURCE_DIR}/models/default/model.safetensors)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/default DESTINATION share/tscope/models)
endif()

set(CPACK_PACKAGE_NAME "transformerscope")
set(CPACK_PACKAGE_VENDOR "TransformerScope")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "See GPT-2 think: tokens, attention heads, layers and sampling, live")
set(CPACK_PACKAGE_CONTACT "TransformerScope developers <dev@transformerscope.invalid>")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
