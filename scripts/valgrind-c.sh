#!/bin/sh
# Runs the C library's examples and tests (noise, its static link, gradient, threads, the C++
# wrapper, callbacks, bad arguments) under valgrind's memcheck, with the same checks of their
# videos as scripts/test-c.sh: any definite leak or invalid read or write fails.
#   sh scripts/valgrind-c.sh
set -eu
exec sh "$(dirname "$0")/test-c.sh" --valgrind
