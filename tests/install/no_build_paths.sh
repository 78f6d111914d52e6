#!/usr/bin/env bash
# usage: no_build_paths.sh PREFIX SOURCE_DIR BUILD_DIR
# Nothing installed may name the build machine's source or build directory: a path compiled in
# works only where the sources still are (issue 11), and leaks the builder's file system.
set -euo pipefail
prefix=$1
status=0
for dir in "$2" "$3"; do
    if hits=$(grep -rlaF -- "$dir" "$prefix"); then
        echo "FAIL: these installed files contain '$dir':" >&2
        echo "$hits" >&2
        status=1
    fi
done
[ "$status" = 0 ] && echo "no build paths in $(find "$prefix" -type f | wc -l) installed files"
exit $status
