/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The energy model: cpuinfo files as kernels write them, noisy names, formulas. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "tdp_table.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_model.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static FILE *open_fixture(const char *name, char *path, size_t n)
{
	FILE *fp;

	snprintf(path, n, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	return fp;
}

/* An x86 /proc/cpuinfo: one block per logical CPU, in the kernel's layout
 * (tab-padded keys), with a long flags line as real ones have. */
static const char *write_x86(const char *name, const char *model, unsigned sockets,
			     unsigned cores_per_socket, unsigned threads_per_core)
{
	static char path[256];
	FILE *fp = open_fixture(name, path, sizeof(path));
	unsigned per_socket = cores_per_socket * threads_per_core;
	unsigned cpu, i;

	for (cpu = 0; cpu < sockets * per_socket; cpu++) {
		fprintf(fp, "processor\t: %u\n", cpu);
		fprintf(fp, "vendor_id\t: GenuineWhatever\n");
		fprintf(fp, "model name\t: %s\n", model);
		fprintf(fp, "physical id\t: %u\n", cpu / per_socket);
		fprintf(fp, "siblings\t: %u\n", per_socket);
		fprintf(fp, "core id\t\t: %u\n", cpu % cores_per_socket);
		fprintf(fp, "cpu cores\t: %u\n", cores_per_socket);
		fprintf(fp, "flags\t\t:");
		for (i = 0; i < 300; i++)
			fprintf(fp, " flag%u", i);
		fprintf(fp, "\n\n");
	}
	fclose(fp);
	return path;
}

static void test_cpuinfo_x86(void **state)
{
	static const struct {
		const char *model;
		unsigned sockets, cores, threads;
	} cases[] = {
		{ "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", 2, 20, 2 },
		{ "AMD EPYC 7763 64-Core Processor", 1, 64, 2 },
		{ "Imaginary Computing Hypothetical 9000 CPU @ 1.00GHz", 4, 8, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct model_cpuinfo ci;
		const char *path = write_x86("cpuinfo", cases[i].model, cases[i].sockets,
					     cases[i].cores, cases[i].threads);

		assert_int_equal(model_read_cpuinfo(path, &ci), 0);
		assert_string_equal(ci.name, cases[i].model);
		assert_int_equal(ci.sockets, cases[i].sockets);
		assert_int_equal(ci.cpus, cases[i].sockets * cases[i].cores * cases[i].threads);
		assert_int_equal(ci.cores, cases[i].sockets * cases[i].cores);
	}
}

/* arm64 kernels write no "model name", "physical id" or "cpu cores". */
static void test_cpuinfo_arm(void **state)
{
	struct model_cpuinfo ci;
	char path[256];
	FILE *fp = open_fixture("cpuinfo-arm", path, sizeof(path));
	unsigned cpu;

	(void)state;
	for (cpu = 0; cpu < 4; cpu++)
		fprintf(fp, "processor\t: %u\nBogoMIPS\t: 50.00\n"
			"Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
			"CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
			"CPU part\t: 0xd0c\nCPU revision\t: 1\n\n", cpu);
	fclose(fp);
	assert_int_equal(model_read_cpuinfo(path, &ci), 0);
	assert_string_equal(ci.name, "");
	assert_int_equal(ci.sockets, 1);
	assert_int_equal(ci.cpus, 4);
	assert_int_equal(ci.cores, 4);
}

static void test_cpuinfo_errors(void **state)
{
	struct model_cpuinfo ci;
	char path[256];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist", tmpdir);
	errno = 0;
	assert_int_equal(model_read_cpuinfo(path, &ci), -1);
	assert_int_equal(errno, ENOENT);

	fp = open_fixture("cpuinfo-empty", path, sizeof(path));
	fputs("nothing: here\n", fp);
	fclose(fp);
	errno = 0;
	assert_int_equal(model_read_cpuinfo(path, &ci), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_cpu_lookup(void **state)
{
	static const struct {
		const char *name;
		const char *row;	/* NULL: unknown */
		double tdp_w;
	} cases[] = {
		{ "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", "Intel Xeon Gold 6230", 125 },
		{ "Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz", "Intel Xeon Gold 6230R", 150 },
		{ "AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763", 280 },
		{ "AMD EPYC 9654 96-Core Processor", "AMD EPYC 9654", 360 },
		{ "  intel(r)   XEON(R)\tplatinum  8480+ ", "Intel Xeon Platinum 8480+", 350 },
		{ "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "Intel Xeon E5-2680 v4", 120 },
		{ "Intel(R) Xeon(R) CPU Max 9480", "Intel Xeon CPU Max 9480", 350 },
		{ "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", "Intel Core i7-1165G7", 28 },
		{ "AMD Ryzen 9 5950X 16-Core Processor", "AMD Ryzen 9 5950X", 105 },
		{ "AMD Ryzen Threadripper PRO 3995WX 64-Cores", "AMD Ryzen Threadripper PRO 3995WX", 280 },
		{ "AMD Athlon Gold 3150G with Radeon Graphics", "AMD Athlon Gold 3150G", 65 },
		{ "Intel\xc2\xae Xeon\xc2\xae Gold 6230", "Intel Xeon Gold 6230", 125 },
		{ "Imaginary Computing Hypothetical 9000 CPU @ 1.00GHz", NULL, 0 },
		{ "Intel(R) Xeon(R) Gold CPU", NULL, 0 },
		{ "Intel(R) Xeon(R) Gold 623", NULL, 0 },
		{ "(R)(TM) CPU @ 2.00GHz", NULL, 0 },
		{ "", NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double w = -1;
		const char *row = NULL;
		int rc = model_cpu_tdp(cases[i].name, &w, &row);

		if (!cases[i].row) {
			if (rc != -1)
				fail_msg("'%s' matched '%s'", cases[i].name, row);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' not found", cases[i].name);
		assert_string_equal(row, cases[i].row);
		assert_true(w == cases[i].tdp_w);
	}
}

static void test_gpu_lookup(void **state)
{
	static const struct {
		const char *name;
		const char *row;
		double tdp_w;
	} cases[] = {
		{ "NVIDIA H100 80GB HBM3", "NVIDIA H100", 700 },
		{ "NVIDIA H100 PCIe", "NVIDIA H100 PCIe", 350 },
		{ "NVIDIA H100 NVL", "NVIDIA H100 NVL", 400 },
		{ "NVIDIA H200", "NVIDIA H200", 700 },
		{ "NVIDIA H200 NVL", "NVIDIA H200 NVL", 600 },
		{ "NVIDIA A100-SXM4-80GB", "NVIDIA A100", 400 },
		{ "NVIDIA A100-PCIE-40GB", "NVIDIA A100 PCIe", 250 },
		{ "NVIDIA A100 80GB PCIe", "NVIDIA A100 PCIe 80GB", 300 },
		{ "NVIDIA A10", "NVIDIA A10", 150 },
		{ "Tesla V100-SXM2-32GB", "NVIDIA Tesla V100", 300 },
		{ "Tesla V100-PCIE-16GB", "NVIDIA Tesla V100 PCIe", 250 },
		{ "Tesla V100S-PCIE-32GB", "NVIDIA Tesla V100S", 250 },
		{ "Tesla T4", "NVIDIA Tesla T4", 70 },
		{ "NVIDIA L4", "NVIDIA L4", 72 },
		{ "NVIDIA L40S", "NVIDIA L40S", 350 },
		{ "NVIDIA L40", "NVIDIA L40", 300 },
		{ "nvidia geforce rtx 2080 ti", "NVIDIA RTX 2080 Ti", 250 },
		{ "NVIDIA Imaginary X1", NULL, 0 },
		{ "NVIDIA", NULL, 0 },
		{ "", NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double w = -1;
		const char *row = NULL;
		int rc = model_gpu_tdp(cases[i].name, &w, &row);

		if (!cases[i].row) {
			if (rc != -1)
				fail_msg("'%s' matched '%s'", cases[i].name, row);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' not found", cases[i].name);
		assert_string_equal(row, cases[i].row);
		assert_true(w == cases[i].tdp_w);
	}
}

/* The generated tables: sorted, positive, and every row found under its own
 * name (no row shadowed by an earlier one that normalises the same). The CPU
 * table is sampled: a full check is 4,600 scans of 4,600 rows. */
static void test_tables(void **state)
{
	size_t i;
	double w;
	const char *row;

	(void)state;
	assert_true(tdp_cpu_table_len > 4000);
	assert_true(tdp_gpu_table_len > 20);
	for (i = 0; i < tdp_cpu_table_len; i++) {
		assert_true(tdp_cpu_table[i].tdp_w > 0);
		if (i > 0)
			assert_true(strcmp(tdp_cpu_table[i - 1].model, tdp_cpu_table[i].model) < 0);
	}
	for (i = 0; i < tdp_cpu_table_len; i += 11) {
		assert_int_equal(model_cpu_tdp(tdp_cpu_table[i].model, &w, &row), 0);
		assert_string_equal(row, tdp_cpu_table[i].model);
	}
	for (i = 0; i < tdp_gpu_table_len; i++) {
		assert_true(tdp_gpu_table[i].tdp_w > 0);
		if (i > 0)
			assert_true(strcmp(tdp_gpu_table[i - 1].model, tdp_gpu_table[i].model) < 0);
		assert_int_equal(model_gpu_tdp(tdp_gpu_table[i].model, &w, &row), 0);
		assert_string_equal(row, tdp_gpu_table[i].model);
	}
}

static void test_choices(void **state)
{
	struct model_cpuinfo ci = { .sockets = 2, .cpus = 128, .cores = 64 };
	const char *src = NULL;
	double w;

	(void)state;
	snprintf(ci.name, sizeof(ci.name), "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
	w = model_cpu_socket_tdp_w(&ci, 180.0, &src);
	assert_true(w == 180.0);
	assert_string_equal(src, "carbon.conf");
	w = model_cpu_socket_tdp_w(&ci, -1.0, &src);
	assert_true(w == 125.0);
	assert_string_equal(src, "Intel Xeon Gold 6230");

	/* Unknown: 12 W per physical core, 32 cores per socket. */
	snprintf(ci.name, sizeof(ci.name), "Imaginary 9000");
	w = model_cpu_socket_tdp_w(&ci, 0.0, &src);
	assert_true(w == MODEL_CPU_W_PER_CORE * 32);
	assert_string_equal(src, "default");
	ci.name[0] = '\0';
	assert_true(model_cpu_socket_tdp_w(&ci, -1.0, NULL) == MODEL_CPU_W_PER_CORE * 32);

	w = model_gpu_board_tdp_w("NVIDIA H100 80GB HBM3", -1.0, &src);
	assert_true(w == 700.0);
	assert_string_equal(src, "NVIDIA H100");
	w = model_gpu_board_tdp_w("NVIDIA H100 80GB HBM3", 500.0, &src);
	assert_true(w == 500.0);
	assert_string_equal(src, "carbon.conf");
	w = model_gpu_board_tdp_w("Imaginary GPU", -1.0, &src);
	assert_true(w == MODEL_GPU_TDP_W);
	assert_string_equal(src, "default");
}

static bool near(double a, double b)
{
	return a > b - 1e-9 * (b > 1 ? b : 1) && a < b + 1e-9 * (b > 1 ? b : 1);
}

static void test_energy(void **state)
{
	(void)state;
	/* Two 125 W sockets, 80 logical CPUs, one CPU busy for an hour. */
	assert_true(near(model_cpu_energy_j(125.0, 2, 80, 3600.0), 11250.0));
	/* The whole node busy for a second draws both sockets' TDP. */
	assert_true(near(model_cpu_energy_j(125.0, 2, 80, 80.0), 250.0));
	assert_true(model_cpu_energy_j(125.0, 2, 0, 10.0) == 0.0);
	assert_true(model_cpu_energy_j(125.0, 0, 8, 10.0) == 0.0);
	assert_true(model_cpu_energy_j(125.0, 1, 8, -1.0) == 0.0);

	assert_true(near(model_memory_energy_j(MODEL_MEMORY_W_PER_GB, 64.0, 3600.0), 85824.0));
	assert_true(model_memory_energy_j(MODEL_MEMORY_W_PER_GB, -1.0, 10.0) == 0.0);

	assert_true(near(model_gpu_energy_j(700.0, 0.5, 10.0), 3500.0));
	assert_true(near(model_gpu_energy_j(700.0, 1.5, 10.0), 7000.0));
	assert_true(model_gpu_energy_j(700.0, -0.5, 10.0) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuinfo_x86),
		cmocka_unit_test(test_cpuinfo_arm),
		cmocka_unit_test(test_cpuinfo_errors),
		cmocka_unit_test(test_cpu_lookup),
		cmocka_unit_test(test_gpu_lookup),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_energy),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
