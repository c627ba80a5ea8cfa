/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ROCm SMI through dlopen. The prototypes below are ROCm SMI's public C ABI
 * (rocm_smi.h, as in ROCm 5.2): every call returns an rsmi_status_t, 0 on
 * success; power in µW; the energy accumulator in counts of
 * counter_resolution µJ, with a timestamp in ns. */
#include "sensor_rocm.h"
#include "dl_table.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef int rsmi_status_t;		/* an enum; RSMI_STATUS_SUCCESS == 0 */
#define RSMI_STATUS_SUCCESS 0

struct rocm_api {
	rsmi_status_t (*init)(uint64_t flags);
	rsmi_status_t (*shut_down)(void);
	rsmi_status_t (*status_string)(rsmi_status_t, const char **);
	rsmi_status_t (*num_devices)(uint32_t *);
	rsmi_status_t (*dev_name)(uint32_t, char *, size_t);
	rsmi_status_t (*dev_unique_id)(uint32_t, uint64_t *);
	rsmi_status_t (*dev_pci_id)(uint32_t, uint64_t *);
	rsmi_status_t (*dev_energy)(uint32_t, uint64_t *, float *, uint64_t *);
	rsmi_status_t (*dev_power_ave)(uint32_t, uint32_t, uint64_t *);
};

static const struct dl_entry entries[] = {
	{ "rsmi_init", offsetof(struct rocm_api, init), true },
	{ "rsmi_shut_down", offsetof(struct rocm_api, shut_down), true },
	{ "rsmi_status_string", offsetof(struct rocm_api, status_string), true },
	{ "rsmi_num_monitor_devices", offsetof(struct rocm_api, num_devices), true },
	{ "rsmi_dev_name_get", offsetof(struct rocm_api, dev_name), true },
	{ "rsmi_dev_unique_id_get", offsetof(struct rocm_api, dev_unique_id), false },
	{ "rsmi_dev_pci_id_get", offsetof(struct rocm_api, dev_pci_id), false },
	{ "rsmi_dev_energy_count_get", offsetof(struct rocm_api, dev_energy), false },
	{ "rsmi_dev_power_ave_get", offsetof(struct rocm_api, dev_power_ave), false },
};

/* One table per process: ROCm SMI itself is process-wide. */
static struct rocm_api api;

static const char *rocm_strerror(rsmi_status_t rc)
{
	static char buf[32];
	const char *text = NULL;

	if (api.status_string && api.status_string(rc, &text) == RSMI_STATUS_SUCCESS && text)
		return text;
	snprintf(buf, sizeof(buf), "ROCm SMI error %d", rc);
	return buf;
}

/* The accumulator of GPU index, in µJ. */
static int read_energy(unsigned index, uint64_t *energy_uj, double *resolution_uj)
{
	uint64_t count = 0, ts_ns = 0;
	float res = 0;

	if (!api.dev_energy || api.dev_energy(index, &count, &res, &ts_ns) != RSMI_STATUS_SUCCESS ||
	    !(res > 0))
		return -1;
	*resolution_uj = res;
	*energy_uj = (uint64_t)((double)count * res);
	return 0;
}

static void describe(struct rocm_gpu *g, unsigned index)
{
	uint64_t uj;

	g->index = index;
	if (api.dev_name(index, g->name, sizeof(g->name)) != RSMI_STATUS_SUCCESS || !g->name[0])
		snprintf(g->name, sizeof(g->name), "unknown AMD GPU");
	if (api.dev_unique_id && api.dev_unique_id(index, &g->unique_id) == RSMI_STATUS_SUCCESS &&
	    g->unique_id != 0)
		snprintf(g->uuid, sizeof(g->uuid), "GPU-%016" PRIx64, g->unique_id);
	else
		g->unique_id = 0;
	if (!api.dev_pci_id || api.dev_pci_id(index, &g->pci_bdf) != RSMI_STATUS_SUCCESS)
		g->pci_bdf = 0;
	g->has_energy = read_energy(index, &uj, &g->resolution_uj) == 0;
}

int rocm_open(struct rocm *r, const char *library, char *err, size_t errlen)
{
	rsmi_status_t src;
	uint32_t count = 0, i;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = dl_table_open(library ? library : ROCM_DEFAULT_LIBRARY, entries,
			   sizeof(entries) / sizeof(entries[0]), &api, sizeof(api),
			   "ROCm SMI", "AMD GPUs are not measured", &r->lib, err, errlen);
	if (rc <= 0)
		return rc;
	rc = -1;
	src = api.init(0);
	if (src != RSMI_STATUS_SUCCESS) {
		snprintf(err, errlen, "rsmi_init: %s", rocm_strerror(src));
		goto out;
	}
	r->api = &api;
	src = api.num_devices(&count);
	if (src != RSMI_STATUS_SUCCESS) {
		snprintf(err, errlen, "rsmi_num_monitor_devices: %s", rocm_strerror(src));
		goto out;
	}
	for (i = 0; i < count && r->n < ROCM_MAX_GPUS; i++)
		describe(&r->gpu[r->n++], i);
	rc = (int)r->n;
out:
	if (rc < 0)
		rocm_close(r);
	return rc;
}

int rocm_read_energy_uj(const struct rocm *r, unsigned i, uint64_t *energy_uj)
{
	double res;

	if (i >= r->n || !r->gpu[i].has_energy)
		return -1;
	return read_energy(r->gpu[i].index, energy_uj, &res);
}

int rocm_read_power_uw(const struct rocm *r, unsigned i, uint64_t *power_uw)
{
	uint64_t uw;

	if (i >= r->n || !r->api || !r->api->dev_power_ave ||
	    r->api->dev_power_ave(r->gpu[i].index, 0, &uw) != RSMI_STATUS_SUCCESS)
		return -1;
	*power_uw = uw;
	return 0;
}

void rocm_close(struct rocm *r)
{
	if (r->api)
		r->api->shut_down();
	if (r->lib)
		dlclose(r->lib);
	memset(r, 0, sizeof(*r));
}
