/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVML through dlopen. The prototypes below are NVML's public C ABI
 * (nvml.h, NVML API reference): every call returns an nvmlReturn_t, 0 on
 * success; energy is in mJ since driver load, power in mW. */
#include "sensor_nvml.h"
#include "dl_table.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef int nvml_return_t;		/* nvmlReturn_t; NVML_SUCCESS == 0 */
typedef void *nvml_device_t;		/* nvmlDevice_t */
#define NVML_SUCCESS 0

struct nvml_api {
	nvml_return_t (*init)(void);
	nvml_return_t (*shutdown)(void);
	const char *(*error_string)(nvml_return_t);
	nvml_return_t (*device_count)(unsigned *);
	nvml_return_t (*device_by_index)(unsigned, nvml_device_t *);
	nvml_return_t (*device_uuid)(nvml_device_t, char *, unsigned);
	nvml_return_t (*device_name)(nvml_device_t, char *, unsigned);
	nvml_return_t (*device_energy)(nvml_device_t, unsigned long long *);
	nvml_return_t (*device_power)(nvml_device_t, unsigned *);
	nvml_return_t (*device_mig_mode)(nvml_device_t, unsigned *, unsigned *);
};

/* One table per process: NVML itself is process-wide. */
static struct nvml_api api;

static const char *nvml_strerror(nvml_return_t rc)
{
	static char buf[32];

	if (api.error_string)
		return api.error_string(rc);
	snprintf(buf, sizeof(buf), "NVML error %d", rc);
	return buf;
}

/* Every entry point; the optional ones may be missing. */
static const struct dl_entry entries[] = {
	{ "nvmlInit_v2", offsetof(struct nvml_api, init), true },
	{ "nvmlShutdown", offsetof(struct nvml_api, shutdown), true },
	{ "nvmlErrorString", offsetof(struct nvml_api, error_string), true },
	{ "nvmlDeviceGetCount_v2", offsetof(struct nvml_api, device_count), true },
	{ "nvmlDeviceGetHandleByIndex_v2", offsetof(struct nvml_api, device_by_index), true },
	{ "nvmlDeviceGetUUID", offsetof(struct nvml_api, device_uuid), true },
	{ "nvmlDeviceGetName", offsetof(struct nvml_api, device_name), true },
	{ "nvmlDeviceGetTotalEnergyConsumption", offsetof(struct nvml_api, device_energy), false },
	{ "nvmlDeviceGetPowerUsage", offsetof(struct nvml_api, device_power), false },
	{ "nvmlDeviceGetMigMode", offsetof(struct nvml_api, device_mig_mode), false },
};

int nvml_open(struct nvml *nv, const char *library, char *err, size_t errlen)
{
	nvml_return_t nrc;
	unsigned count = 0, i;
	int rc;

	memset(nv, 0, sizeof(*nv));
	rc = dl_table_open(library ? library : NVML_DEFAULT_LIBRARY, entries,
			   sizeof(entries) / sizeof(entries[0]), &api, sizeof(api),
			   "NVML", "GPUs are not measured", &nv->lib, err, errlen);
	if (rc <= 0)
		return rc;
	rc = -1;
	nrc = api.init();
	if (nrc != NVML_SUCCESS) {
		snprintf(err, errlen, "nvmlInit: %s", nvml_strerror(nrc));
		goto out;
	}
	nv->api = &api;
	nrc = api.device_count(&count);
	if (nrc != NVML_SUCCESS) {
		snprintf(err, errlen, "nvmlDeviceGetCount: %s", nvml_strerror(nrc));
		goto out;
	}
	/* Not the energy counter: one reading costs milliseconds (3.8 ms on
	 * an H200), and a step that only subtracts the node's GPUs from a
	 * chassis meter never reads it. A GPU without one fails its first
	 * nvml_read_energy_mj. */
	for (i = 0; i < count && nv->n < NVML_MAX_GPUS; i++) {
		struct nvml_gpu *g = &nv->gpu[nv->n];
		unsigned cur = 0, pending = 0;

		if (api.device_by_index(i, (nvml_device_t *)&g->handle) != NVML_SUCCESS)
			continue;
		g->index = i;
		if (api.device_uuid(g->handle, g->uuid, sizeof(g->uuid)) != NVML_SUCCESS)
			g->uuid[0] = '\0';
		if (api.device_name(g->handle, g->name, sizeof(g->name)) != NVML_SUCCESS)
			snprintf(g->name, sizeof(g->name), "unknown NVIDIA GPU");
		g->mig = api.device_mig_mode &&
			 api.device_mig_mode(g->handle, &cur, &pending) == NVML_SUCCESS &&
			 cur == 1;
		nv->n++;
	}
	rc = (int)nv->n;
out:
	if (rc < 0)
		nvml_close(nv);
	return rc;
}

int nvml_read_energy_mj(const struct nvml *nv, unsigned i, uint64_t *energy_mj)
{
	unsigned long long mj;

	if (i >= nv->n || !nv->api->device_energy ||
	    nv->api->device_energy(nv->gpu[i].handle, &mj) != NVML_SUCCESS)
		return -1;
	*energy_mj = mj;
	return 0;
}

int nvml_read_power_mw(const struct nvml *nv, unsigned i, uint32_t *power_mw)
{
	unsigned mw;

	if (i >= nv->n || !nv->api->device_power ||
	    nv->api->device_power(nv->gpu[i].handle, &mw) != NVML_SUCCESS)
		return -1;
	*power_mw = mw;
	return 0;
}

void nvml_close(struct nvml *nv)
{
	if (nv->api)
		nv->api->shutdown();
	if (nv->lib)
		dlclose(nv->lib);
	memset(nv, 0, sizeof(*nv));
}
