#!/usr/bin/env bash
# The native test suite under AddressSanitizer and UndefinedBehaviorSanitizer (npm run
# test:native:sanitize [-- --without-emulated]): builds sedjoule_native_tests and
# sedjoule_native_tests_emulated (the CUDA backend on the CPU emulator of the tests) with
# SEDJOULE_SANITIZE=ON into build-sanitize/, apart from the release builds, then runs them. Any
# finding (memory error, leak, undefined behaviour) fails the run. --without-emulated leaves out the
# emulated twin, which doubles the build and takes longer to run than the rest together (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(sedjoule_native_tests sedjoule_native_tests_emulated)
case "${1:-}" in
  "") ;;
  --without-emulated) targets=(sedjoule_native_tests) ;;
  *) echo "usage: $0 [--without-emulated]" >&2; exit 2 ;;
esac
out=build-sanitize
generator=()
command -v ninja >/dev/null && [ ! -f "$out/CMakeCache.txt" ] && generator=(-G Ninja)
cmake -S . -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSEDJOULE_CUDA=OFF -DSEDJOULE_CUDA_EMULATOR=ON \
  -DSEDJOULE_BUILD_TESTS=ON -DSEDJOULE_SANITIZE=ON >/dev/null
cmake --build "$out" --parallel --target "${targets[@]}"

# halt_on_error with -fno-sanitize-recover=all: the first finding ends the program with status 1.
# detect_leaks: LeakSanitizer at exit. strict_string_checks: str* calls checked against the whole
# string. detect_stack_use_after_return: stack frames outlived by a pointer to them.
# check_initialization_order: a static initializer reading another file's static before its turn.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run() {
  echo "== $1, SEDJOULE_ISA=$2, ASan + UBSan"
  # The failures, the summary and any sanitizer report (on stderr); pipefail carries the status.
  SEDJOULE_ISA=$2 "$out/$1" | grep -v '^ok '
}
# Once per instruction set, so every CPU kernel variant runs instrumented (a CPU without AVX-512 or
# AVX2 runs the next narrower set under that name: core/cpu_isa.cpp).
for isa in generic avx2 avx512; do run sedjoule_native_tests $isa; done
# The emulated twin once, for the CUDA backend's passes. The emulator runs each GPU thread on a
# fiber of its own (ucontext), and a fiber's fake frames for detect_stack_use_after_return cost an
# mmap each, which makes the run several times slower: that check is left to the runs above.
if [ ${#targets[@]} -eq 2 ]; then
  ASAN_OPTIONS=$ASAN_OPTIONS:detect_stack_use_after_return=0 run sedjoule_native_tests_emulated auto
fi
