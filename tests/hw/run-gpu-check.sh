#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build and run tests/hw/gpu_check on a machine with an NVIDIA GPU; results
# (text and gpu_check.csv) go to $OUT (default: the current directory).
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-.}
export OUT
nvidia-smi --query-gpu=name,driver_version,power.limit,power.draw --format=csv 2>&1 | tee "$OUT/nvidia-smi.txt"
bin=tests/hw/gpu_check.bin
if command -v cc >/dev/null 2>&1 &&
	cc -std=gnu11 -O2 -Wall -Wextra -Ilib -Iplugin tests/hw/gpu_check.c plugin/sensor_nvml.c plugin/dl_table.c \
		-o "$OUT/gpu_check" -ldl -lpthread; then
	bin=$OUT/gpu_check
fi
echo "running $bin"
"$bin" "${1:-60}" "${2:-5}" 2>&1 | tee "$OUT/gpu_check.txt"
