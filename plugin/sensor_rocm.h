/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AMD GPU energy through ROCm SMI, loaded with dlopen so that nodes without
 * it need nothing: a missing library is "no AMD GPU sensor". */
#ifndef CARBON_SENSOR_ROCM_H
#define CARBON_SENSOR_ROCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROCM_MAX_GPUS 64
#define ROCM_DEFAULT_LIBRARY "librocm_smi64.so.1"	/* Debian's librocm-smi64-1 */

struct rocm_api;	/* the resolved entry points, private to sensor_rocm.c */

struct rocm_gpu {
	unsigned index;		/* ROCm SMI's device index */
	uint64_t unique_id;	/* rsmi_dev_unique_id_get; 0 when it has none */
	char uuid[24];		/* "GPU-" and unique_id in 16 hex digits, the
				 * form ROCR_VISIBLE_DEVICES takes; "" when
				 * there is no unique id */
	uint64_t pci_bdf;	/* rsmi_dev_pci_id_get: domain << 32 | bus << 8
				 * | device << 3 | function; 0 when unknown */
	char name[96];		/* e.g. "AMD Instinct MI250X" */
	bool has_energy;	/* the energy accumulator works (MI200 and
				 * later); else power only */
	double resolution_uj;	/* µJ per accumulator count (has_energy) */
};

struct rocm {
	void *lib;			/* dlopen handle; NULL when closed */
	const struct rocm_api *api;
	unsigned n;
	struct rocm_gpu gpu[ROCM_MAX_GPUS];
};

/* Load library (NULL: librocm_smi64.so.1), initialise ROCm SMI and describe
 * every GPU it monitors. Returns the number of GPUs (0 when ROCm SMI is not
 * there: err then says why, for one log line), or -1 with a reason in err
 * when it is there but failed. */
int rocm_open(struct rocm *r, const char *library, char *err, size_t errlen);

/* Energy of GPU i since the driver started counting, in microjoules: the
 * accumulator times its resolution. Returns 0, or -1 when the GPU has no
 * accumulator or the call failed. */
int rocm_read_energy_uj(const struct rocm *r, unsigned i, uint64_t *energy_uj);

/* Average power of GPU i in microwatts (the board's own short average, of
 * about a second). Returns 0, or -1. */
int rocm_read_power_uw(const struct rocm *r, unsigned i, uint64_t *power_uw);

/* Shut ROCm SMI down and unload the library. Safe on a closed r. */
void rocm_close(struct rocm *r);

#endif
