#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cost of one sample (issue 4): builds tests/bench/bench_sample and the NVML
# test double, then prints the CPU time of one meter_sample() for each set
# of sensors as a Markdown table for doc/benchmarks.md (budget: <= 50 µs).
# Usage: tests/bench/bench_sample.sh [SAMPLES (20000)]
# Run as root after configure; it runs make in the build tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "${top_builddir:-$top}" && pwd)
samples=${1:-20000}

make -C "$builddir" -j2 tests/bench/bench_sample tests/fixtures/libnvidia-ml.la > /dev/null
double=$builddir/tests/fixtures/.libs/libnvidia-ml.so.1
echo "$(uname -srm), $(nproc) CPUs: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
"$builddir/tests/bench/bench_sample" -n "$samples" -g "$double"
echo
echo "Budget: <= 50 µs of CPU per sample. The NVML rows use the test double,"
echo "whose calls cost far less than a real driver's (doc/gpu-nvml-check.md)."
