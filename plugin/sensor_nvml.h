/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA GPU energy through NVML, loaded with dlopen so that nodes without
 * the driver need nothing: a missing library is "no GPU sensor". */
#ifndef CARBON_SENSOR_NVML_H
#define CARBON_SENSOR_NVML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NVML_MAX_GPUS 64
#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"

struct nvml_api;	/* the resolved entry points, private to sensor_nvml.c */

struct nvml_gpu {
	void *handle;		/* nvmlDevice_t */
	unsigned index;		/* NVML's device index */
	char uuid[96];		/* "GPU-..." */
	char name[96];		/* e.g. "NVIDIA H200" */
	bool mig;		/* MIG enabled: instances are not measured separately */
};

struct nvml {
	void *lib;			/* dlopen handle; NULL when closed */
	const struct nvml_api *api;
	unsigned n;
	struct nvml_gpu gpu[NVML_MAX_GPUS];
};

/* Load library (NULL: libnvidia-ml.so.1), initialise NVML and describe every
 * GPU of the node: index, UUID, name, MIG, but not whether it has an energy
 * counter (a reading costs milliseconds: nvml_read_energy_mj tells). Returns
 * the number of GPUs (0 when NVML is not there: *err then says why, for one
 * log line), or -1 with a reason in err when NVML is there but failed. */
int nvml_open(struct nvml *nv, const char *library, char *err, size_t errlen);

/* Total energy of GPU i since the driver was loaded, in millijoules (never
 * wraps). Returns 0, or -1 when the GPU has no counter (before Volta) or the
 * reading failed. Costs milliseconds with a real driver. */
int nvml_read_energy_mj(const struct nvml *nv, unsigned i, uint64_t *energy_mj);

/* Current power draw of GPU i in milliwatts (NVML averages it over about a
 * second on most boards). Returns 0, or -1. */
int nvml_read_power_mw(const struct nvml *nv, unsigned i, uint32_t *power_mw);

/* Shut NVML down and unload the library. Safe on a closed nv. */
void nvml_close(struct nvml *nv);

#endif
