#!/usr/bin/env bash
# The native test suite under AddressSanitizer and UndefinedBehaviorSanitizer (npm run
# test:native:sanitize): builds sedjoule_native_tests and sedjoule_native_tests_emulated (the CUDA
# backend on the CPU emulator of the tests) with SEDJOULE_SANITIZE=ON into build-sanitize/, apart
# from the release builds, then runs both once per instruction set, so that every kernel variant
# runs instrumented. Any finding (memory error, leak, undefined behaviour) fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-sanitize
generator=()
command -v ninja >/dev/null && [ ! -f "$out/CMakeCache.txt" ] && generator=(-G Ninja)
cmake -S . -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSEDJOULE_CUDA=OFF -DSEDJOULE_CUDA_EMULATOR=ON \
  -DSEDJOULE_BUILD_TESTS=ON -DSEDJOULE_SANITIZE=ON >/dev/null
cmake --build "$out" --parallel --target sedjoule_native_tests sedjoule_native_tests_emulated

# halt_on_error with -fno-sanitize-recover=all: the first finding ends the program with status 1.
# detect_leaks: LeakSanitizer at exit. strict_string_checks: str* calls checked against the whole
# string. detect_stack_use_after_return: stack frames outlived by a pointer to them.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for binary in sedjoule_native_tests sedjoule_native_tests_emulated; do
  # A CPU without AVX-512 (or AVX2) runs the next narrower set under that name (core/cpu_isa.cpp).
  for isa in generic avx2 avx512; do
    echo "== $binary, SEDJOULE_ISA=$isa, ASan + UBSan"
    # The failures, the summary and any sanitizer report (on stderr); pipefail carries the status.
    SEDJOULE_ISA=$isa "$out/$binary" | grep -v '^ok '
  done
done
