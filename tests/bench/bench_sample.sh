#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cost of one sample (issue 4): builds tests/bench/bench_sample and the NVML
# and ROCm SMI test doubles, then prints, as Markdown tables for
# doc/benchmarks.md, what a step's start and end cost the meter
# (meter_open + meter_close, each in a fresh process, as every step is its
# own slurmstepd; OPEN_RUNS of each) and the CPU time of one meter_sample()
# for each set of sensors (budget: <= 50 µs).
# Usage: tests/bench/bench_sample.sh [SAMPLES (20000)] [OPEN_RUNS (500)]
# Run as root after configure; it runs make in the build tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "${top_builddir:-$top}" && pwd)
samples=${1:-20000}
open_runs=${2:-500}

make -C "$builddir" -j2 tests/bench/bench_sample tests/fixtures/libnvidia-ml.la \
	tests/fixtures/librocm_smi64.la > /dev/null
double=$builddir/tests/fixtures/.libs/libnvidia-ml.so.1
rocm_double=$builddir/tests/fixtures/.libs/librocm_smi64.so.1
echo "$(uname -srm), $(nproc) CPUs: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
"$builddir/tests/bench/bench_sample" -n "$samples" -g "$double" -o "$open_runs" -r "$rocm_double"
echo
echo "Budget: <= 50 µs of CPU per sample. The NVML and ROCm SMI rows use the test"
echo "doubles, whose calls cost far less than a real driver's (doc/gpu-nvml-check.md)."
