/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hardware check of the NVML sensor on a machine with an NVIDIA GPU (not
 * part of the automatic suite: this project's CI machines have no GPU).
 * Puts GPU 0 under a compute load for a set time and compares, for every
 * GPU, the energy counter (nvmlDeviceGetTotalEnergyConsumption) with the
 * integral of the power readings (nvmlDeviceGetPowerUsage) sampled every
 * 100 ms; also times one counter read. The load is a PTX kernel JIT-compiled
 * by the driver (libcuda.so.1 through dlopen), so no CUDA toolkit is needed.
 *
 * Usage: gpu_check [LOAD_SECONDS (60)] [IDLE_SECONDS (5)] */
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sensor_nvml.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: what a read costs the node, not the wait. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the load: four independent FMA chains per thread, `iters` times ---- */
static const char burn_ptx[] =
	".version 7.0\n"
	".target sm_52\n"
	".address_size 64\n"
	".visible .entry burn(.param .u64 out, .param .u32 iters)\n"
	"{\n"
	"  .reg .f32 %a<5>;\n"
	"  .reg .u32 %r<5>;\n"
	"  .reg .u64 %d<4>;\n"
	"  .reg .pred %p;\n"
	"  ld.param.u64 %d1, [out];\n"
	"  ld.param.u32 %r1, [iters];\n"
	"  mov.u32 %r2, %tid.x;\n"
	"  cvt.rn.f32.u32 %a1, %r2;\n"
	"  add.f32 %a2, %a1, 0f3F800000;\n"
	"  add.f32 %a3, %a1, 0f40000000;\n"
	"  add.f32 %a4, %a1, 0f40400000;\n"
	"  mov.u32 %r3, 0;\n"
	"LOOP:\n"
	"  fma.rn.f32 %a1, %a1, 0f3F7FFFF0, 0f3A83126F;\n"
	"  fma.rn.f32 %a2, %a2, 0f3F7FFFF0, 0f3A83126F;\n"
	"  fma.rn.f32 %a3, %a3, 0f3F7FFFF0, 0f3A83126F;\n"
	"  fma.rn.f32 %a4, %a4, 0f3F7FFFF0, 0f3A83126F;\n"
	"  add.u32 %r3, %r3, 1;\n"
	"  setp.lt.u32 %p, %r3, %r1;\n"
	"  @%p bra LOOP;\n"
	"  add.f32 %a1, %a1, %a2;\n"
	"  add.f32 %a3, %a3, %a4;\n"
	"  add.f32 %a1, %a1, %a3;\n"
	"  cvta.to.global.u64 %d2, %d1;\n"
	"  mul.wide.u32 %d3, %r2, 4;\n"
	"  add.u64 %d2, %d2, %d3;\n"
	"  st.global.f32 [%d2], %a1;\n"
	"  ret;\n"
	"}\n";

struct load {
	double seconds;
	volatile bool started, failed;
	char err[256];
	double launches;
};

typedef int cu_result;
static cu_result (*cuInit)(unsigned);
static cu_result (*cuDeviceGet)(int *, int);
static cu_result (*cuDevicePrimaryCtxRetain)(void **, int);
static cu_result (*cuCtxSetCurrent)(void *);
static cu_result (*cuModuleLoadData)(void **, const void *);
static cu_result (*cuModuleGetFunction)(void **, void *, const char *);
static cu_result (*cuMemAlloc_v2)(unsigned long long *, size_t);
static cu_result (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
				   unsigned, unsigned, unsigned, void *, void **, void **);
static cu_result (*cuCtxSynchronize)(void);

#define CU_LOAD(lib, name)                                              \
	do {                                                            \
		void *fn_ = dlsym(lib, #name);                          \
		if (!fn_) {                                             \
			snprintf(ld->err, sizeof(ld->err), "no %s", #name); \
			goto fail;                                      \
		}                                                       \
		memcpy(&name, &fn_, sizeof(fn_));                       \
	} while (0)
#define CU_CHECK(call)                                                  \
	do {                                                            \
		cu_result r_ = (call);                                  \
		if (r_ != 0) {                                          \
			snprintf(ld->err, sizeof(ld->err), "%s = %d", #call, r_); \
			goto fail;                                      \
		}                                                       \
	} while (0)

static void *load_main(void *arg)
{
	struct load *ld = arg;
	void *lib, *ctx, *mod, *fn;
	int dev;
	unsigned long long out;
	unsigned iters = 1u << 16;
	void *params[2];
	double end;

	lib = dlopen("libcuda.so.1", RTLD_NOW);
	if (!lib) {
		snprintf(ld->err, sizeof(ld->err), "%s", dlerror());
		goto fail;
	}
	CU_LOAD(lib, cuInit);
	CU_LOAD(lib, cuDeviceGet);
	CU_LOAD(lib, cuDevicePrimaryCtxRetain);
	CU_LOAD(lib, cuCtxSetCurrent);
	CU_LOAD(lib, cuModuleLoadData);
	CU_LOAD(lib, cuModuleGetFunction);
	CU_LOAD(lib, cuMemAlloc_v2);
	CU_LOAD(lib, cuLaunchKernel);
	CU_LOAD(lib, cuCtxSynchronize);
	CU_CHECK(cuInit(0));
	CU_CHECK(cuDeviceGet(&dev, 0));
	CU_CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CU_CHECK(cuCtxSetCurrent(ctx));
	CU_CHECK(cuModuleLoadData(&mod, burn_ptx));
	CU_CHECK(cuModuleGetFunction(&fn, mod, "burn"));
	CU_CHECK(cuMemAlloc_v2(&out, 1024 * sizeof(float)));
	params[0] = &out;
	params[1] = &iters;
	ld->started = true;
	end = now_s() + ld->seconds;
	while (now_s() < end) {
		double t0 = now_s(), dt;

		CU_CHECK(cuLaunchKernel(fn, 132 * 16, 1, 1, 256, 1, 1, 0, NULL, params, NULL));
		CU_CHECK(cuCtxSynchronize());
		ld->launches++;
		dt = now_s() - t0;
		/* aim at about 50 ms a launch, so the end time is kept */
		if (dt < 0.025 && iters < (1u << 30))
			iters *= 2;
		else if (dt > 0.1 && iters > 1)
			iters /= 2;
	}
	return NULL;
fail:
	ld->failed = true;
	ld->started = true;
	return NULL;
}

/* ---- measurement ---------------------------------------------------------- */
struct gpu_series {
	uint64_t e0_mj, e_prev_mj;
	double power_j;		/* trapezoid integral of the power readings */
	double p_prev_w, t_prev;
	double p_max_w;
	bool energy_ok;
};

static void sample_all(const struct nvml *nv, struct gpu_series *s, double t, bool first)
{
	unsigned i;

	for (i = 0; i < nv->n; i++) {
		uint64_t e;
		uint32_t p;
		double w;

		if (nvml_read_energy_mj(nv, i, &e) == 0) {
			if (first)
				s[i].e0_mj = e;
			s[i].e_prev_mj = e;
			s[i].energy_ok = true;
		}
		if (nvml_read_power_mw(nv, i, &p) == 0) {
			w = p / 1000.0;
			if (!first)
				s[i].power_j += (w + s[i].p_prev_w) / 2 * (t - s[i].t_prev);
			s[i].p_prev_w = w;
			s[i].t_prev = t;
			if (w > s[i].p_max_w)
				s[i].p_max_w = w;
		}
	}
}

static void phase(const struct nvml *nv, const char *name, double seconds, FILE *csv)
{
	struct gpu_series s[NVML_MAX_GPUS];
	double t, t0 = now_s(), end = t0 + seconds;
	unsigned i;

	memset(s, 0, sizeof(s));
	sample_all(nv, s, t0, true);
	while ((t = now_s()) < end) {
		struct timespec nap = { 0, 100 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		sample_all(nv, s, now_s(), false);
	}
	t = now_s();
	for (i = 0; i < nv->n; i++) {
		double counter_j = (double)(s[i].e_prev_mj - s[i].e0_mj) / 1000.0;
		double diff = counter_j > 0 ? (s[i].power_j - counter_j) / counter_j * 100 : 0;

		printf("%-5s gpu%u %6.1f s: counter %10.1f J (%6.1f W avg)  power integral %10.1f J  diff %+6.2f %%  max %6.1f W\n",
		       name, i, t - t0, counter_j, counter_j / (t - t0), s[i].power_j,
		       diff, s[i].p_max_w);
		fprintf(csv, "%s,%u,%.3f,%.3f,%.3f,%.3f\n", name, i, t - t0, counter_j,
			s[i].power_j, s[i].p_max_w);
	}
}

int main(int argc, char **argv)
{
	double load_s = argc > 1 ? atof(argv[1]) : 60, idle_s = argc > 2 ? atof(argv[2]) : 5;
	const char *out = getenv("OUT");
	char err[512] = "", path[512];
	struct nvml nv;
	struct load ld = { .seconds = load_s };
	pthread_t th;
	FILE *csv;
	unsigned i;
	int n, k;
	double t0, c0, per_read_us;
	uint64_t e;
	uint32_t p;

	n = nvml_open(&nv, NULL, err, sizeof(err));
	if (n <= 0) {
		printf("nvml_open: %d (%s)\n", n, err);
		return 1;
	}
	for (i = 0; i < nv.n; i++)
		printf("gpu%u %s %s energy_counter=%s mig=%s\n", i, nv.gpu[i].name,
		       nv.gpu[i].uuid, nvml_read_energy_mj(&nv, i, &e) == 0 ? "yes" : "no",
		       nv.gpu[i].mig ? "yes" : "no");
	t0 = now_s();
	c0 = cpu_s();
	for (k = 0; k < 1000; k++)
		nvml_read_energy_mj(&nv, 0, &e);
	per_read_us = (now_s() - t0) / 1000 * 1e6;
	printf("one nvmlDeviceGetTotalEnergyConsumption: %.1f us wall, %.1f us CPU (mean of 1000)\n",
	       per_read_us, (cpu_s() - c0) / 1000 * 1e6);
	t0 = now_s();
	c0 = cpu_s();
	for (k = 0; k < 1000; k++)
		nvml_read_power_mw(&nv, 0, &p);
	printf("one nvmlDeviceGetPowerUsage: %.1f us wall, %.1f us CPU (mean of 1000)\n",
	       (now_s() - t0) / 1000 * 1e6, (cpu_s() - c0) / 1000 * 1e6);

	snprintf(path, sizeof(path), "%s/gpu_check.csv", out ? out : ".");
	csv = fopen(path, "w");
	if (!csv)
		csv = stdout;
	fprintf(csv, "phase,gpu,seconds,counter_j,power_integral_j,max_w\n");
	phase(&nv, "idle", idle_s, csv);
	pthread_create(&th, NULL, load_main, &ld);
	while (!ld.started) {
		struct timespec nap = { 0, 10 * 1000 * 1000 };

		nanosleep(&nap, NULL);
	}
	if (ld.failed) {
		printf("load: %s\n", ld.err);
	} else {
		phase(&nv, "load", load_s, csv);
	}
	pthread_join(th, NULL);
	printf("load: %.0f kernel launches%s%s\n", ld.launches, ld.failed ? ", failed: " : "",
	       ld.failed ? ld.err : "");
	phase(&nv, "after", idle_s, csv);
	if (csv != stdout)
		fclose(csv);
	nvml_close(&nv);
	return 0;
}
