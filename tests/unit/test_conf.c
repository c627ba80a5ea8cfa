/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon.conf parsing: good files, and every error names file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to tmpdir/name with mode; returns the path (static buffer). */
static const char *write_conf(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

/* The example of DESIGN §3.3, inline comments included. */
static const char design_example[] =
	"[site]\n"
	"cluster   = hpc1          ; default: SLURM_CLUSTER_NAME\n"
	"zone      = DE            ; grid zone\n"
	"pue       = 1.25          ; power usage effectiveness\n"
	"intensity =               ; optional fixed gCO2e/kWh\n"
	"[database]\n"
	"conninfo  = host=db1 dbname=carbon user=carbon_writer   ; libpq conninfo\n"
	"connect_timeout = 3\n"
	"[sampling]\n"
	"interval  = 10            ; seconds between samples\n"
	"[spool]\n"
	"dir       = /var/spool/slurm-carbon\n";

static void test_design_example(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path = write_conf("good.conf", design_example, 0644);

	(void)state;
	conf_defaults(&c);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(c.cluster, "hpc1");
	assert_string_equal(c.zone, "DE");
	assert_true(c.pue > 1.2499 && c.pue < 1.2501);
	assert_true(c.intensity_g_per_kwh < 0);
	assert_string_equal(c.conninfo, "host=db1 dbname=carbon user=carbon_writer");
	assert_int_equal(c.connect_timeout_s, 3);
	assert_int_equal(c.interval_s, 10);
	assert_string_equal(c.spool_dir, "/var/spool/slurm-carbon");
}

static void test_defaults(void **state)
{
	struct carbon_conf c;

	(void)state;
	conf_defaults(&c);
	assert_true(c.pue == 1.0);
	assert_true(c.intensity_g_per_kwh < 0);
	assert_int_equal(c.connect_timeout_s, 3);
	assert_int_equal(c.interval_s, 10);
	assert_false(c.psys);
	assert_string_equal(c.cluster, "");
	assert_true(c.model_cpu_tdp_w < 0);
	assert_true(c.model_memory_w_per_gb == 0.3725);
	assert_true(c.model_gpu_tdp_w < 0);
	assert_string_equal(c.spool_metrics_file, "");
}

/* [spool] metrics_file: an absolute *.prom path, or empty for none. */
static void test_spool_metrics_file(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path = write_conf("metrics.conf",
				      "[spool]\nmetrics_file = /var/lib/prometheus/node-exporter/slurm_carbon_spool.prom\n",
				      0644);

	(void)state;
	conf_defaults(&c);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(c.spool_metrics_file,
			    "/var/lib/prometheus/node-exporter/slurm_carbon_spool.prom");
	path = write_conf("metrics.conf", "[spool]\nmetrics_file =\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(c.spool_metrics_file, "");
}

/* [model]: set, and empty values meaning "from the table" or the default. */
static void test_model_section(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path;

	(void)state;
	path = write_conf("model.conf",
			  "[model]\n"
			  "cpu_tdp = 205          ; W per socket\n"
			  "memory_w_per_gb = 0.5\n"
			  "gpu_tdp = 700\n", 0644);
	conf_defaults(&c);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_true(c.model_cpu_tdp_w == 205.0);
	assert_true(c.model_memory_w_per_gb == 0.5);
	assert_true(c.model_gpu_tdp_w == 700.0);

	path = write_conf("model.conf",
			  "[model]\ncpu_tdp =\nmemory_w_per_gb =\ngpu_tdp =\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_true(c.model_cpu_tdp_w < 0);
	assert_true(c.model_memory_w_per_gb == 0.3725);
	assert_true(c.model_gpu_tdp_w < 0);

	path = write_conf("model.conf", "[model]\nmemory_w_per_gb = 0\n", 0644);
	assert_int_equal(conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)), 0);
	assert_true(c.model_memory_w_per_gb == 0.0);
}

/* [embodied]: not configured by default; set; empty values unset. */
static void test_embodied_section(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path;

	(void)state;
	conf_defaults(&c);
	assert_true(c.embodied_node_kg < 0 && c.embodied_gpu_kg < 0);
	assert_int_equal(c.embodied_node_cores, 0);
	assert_true(c.embodied_lifetime_years == 4.0);
	path = write_conf("embodied.conf",
			  "[embodied]\nnode_kg = 1500\nnode_cores = 128\ngpu_kg = 150.5\n"
			  "lifetime_years = 6\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_true(c.embodied_node_kg == 1500.0 && c.embodied_gpu_kg == 150.5);
	assert_int_equal(c.embodied_node_cores, 128);
	assert_true(c.embodied_lifetime_years == 6.0);
	path = write_conf("embodied.conf",
			  "[embodied]\nnode_kg =\nnode_cores =\ngpu_kg =\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_true(c.embodied_node_kg < 0 && c.embodied_gpu_kg < 0);
	assert_int_equal(c.embodied_node_cores, 0);
}

/* [node]: no meter by default; each meter by name; the readers' paths. */
static void test_node_readers(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(c.node_meter, NODE_METER_NONE);
	assert_int_equal(c.node_interval_s, 0);
	assert_string_equal(c.node_pm_counters, "");
	path = write_conf("node.conf",
			  "[node]\nmeter = hwmon\ninterval = 30\nhwmon_root = /srv/hwmon\n"
			  "hwmon_name = power_meter\nhwmon_label = Module Power\n"
			  "pm_counters = /srv/pmc\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_int_equal(c.node_meter, NODE_METER_HWMON);
	assert_string_equal(conf_node_meter_name(c.node_meter), "hwmon");
	assert_int_equal(c.node_interval_s, 30);
	assert_string_equal(c.node_hwmon_root, "/srv/hwmon");
	assert_string_equal(c.node_hwmon_label, "Module Power");
	assert_string_equal(c.node_pm_counters, "/srv/pmc");
	path = write_conf("node.conf", "[node]\nmeter = pm_counters\ninterval =\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_int_equal(c.node_meter, NODE_METER_PM_COUNTERS);
	assert_int_equal(c.node_interval_s, 0);
}

/* [node]: carbon-nodemeter's keys: the BMC, its credentials, the state file. */
static void test_node_section(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(c.node_meter, NODE_METER_NONE);
	assert_int_equal(c.node_interval_s, 0);
	assert_string_equal(c.node_state_file, "/run/slurm-carbon/node_energy");
	assert_int_equal(c.redfish_timeout_ms, 2000);
	assert_false(c.redfish_insecure);
	assert_string_equal(c.ipmi_device, "/dev/ipmi0");
	path = write_conf("node.conf",
			  "[node]\nmeter = redfish\ninterval = 5\n"
			  "redfish_url = https://bmc-n01.example:8443\nredfish_chassis = 1\n"
			  "redfish_user = carbon\nredfish_password_file = /etc/slurm/bmc.pw\n"
			  "redfish_ca_file = /etc/slurm/bmc-ca.pem\nredfish_insecure = no\n"
			  "redfish_timeout = 1.5\nstate_file = /run/carbon/node\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_int_equal(c.node_meter, NODE_METER_REDFISH);
	assert_string_equal(conf_node_meter_name(c.node_meter), "redfish");
	assert_int_equal(c.node_interval_s, 5);
	assert_string_equal(c.redfish_url, "https://bmc-n01.example:8443");
	assert_string_equal(c.redfish_chassis, "1");
	assert_string_equal(c.redfish_user, "carbon");
	assert_string_equal(c.redfish_password_file, "/etc/slurm/bmc.pw");
	assert_string_equal(c.redfish_ca_file, "/etc/slurm/bmc-ca.pem");
	assert_int_equal(c.redfish_timeout_ms, 1500);
	assert_string_equal(c.node_state_file, "/run/carbon/node");
	path = write_conf("node2.conf", "[node]\nmeter = ipmi\ninterval =\nstate_file =\n"
			  "ipmi_device = /dev/ipmi1\n", 0644);
	if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	assert_int_equal(c.node_meter, NODE_METER_IPMI);
	assert_int_equal(c.node_interval_s, 0);
	assert_string_equal(c.node_state_file, "/run/slurm-carbon/node_energy");
	assert_string_equal(c.ipmi_device, "/dev/ipmi1");
}

/* [sampling] psys: yes turns the platform zone on, no (the default) off. */
static void test_psys(void **state)
{
	static const struct {
		const char *text;
		bool psys;
	} cases[] = {
		{ "[sampling]\npsys = yes\n", true },
		{ "[sampling]\npsys = YES   ; platform zone\n", true },
		{ "[sampling]\npsys = no\n", false },
		{ "[sampling]\ninterval = 5\n", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct carbon_conf c;
		char err[512] = "";
		const char *path = write_conf("psys.conf", cases[i].text, 0644);

		conf_defaults(&c);
		if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) != 0)
			fail_msg("case %zu: unexpected error: %s", i, err);
		if (c.psys != cases[i].psys)
			fail_msg("case %zu: psys is %d: %s", i, c.psys, cases[i].text);
	}
}

/* Each bad file and the pieces its message must hold. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *must[3];
	} cases[] = {
		{ "[site]\npue = abc\n", { ":2:", "pue", "'abc'" } },
		{ "[site]\npue = 0.8\n", { ":2:", "pue", "1.0" } },
		{ "[site]\nzone = DE\ncolour = blue\n", { ":3:", "unknown key 'colour'", "[site]" } },
		{ "[sampling]\ninterval = 10s\n", { ":2:", "interval", "'10s'" } },
		{ "[node]\nmeter = auto\n", { ":2:", "[node] meter", "'auto'" } },
		{ "[node]\npm_counters = sys/cray\n", { ":2:", "pm_counters", "absolute" } },
		{ "[sampling]\ninterval = 0\n", { ":2:", "interval", "1 to 3600" } },
		{ "[sampling]\npsys = maybe\n", { ":2:", "psys", "'maybe' is not yes or no" } },
		{ "[sampling]\npsys = 1\n", { ":2:", "psys", "'1'" } },
		{ "[database]\nconnect_timeout = -1\n", { ":2:", "connect_timeout", "'-1'" } },
		{ "[site]\nintensity = lots\n", { ":2:", "intensity", "'lots'" } },
		{ "\n\n[nonsense]\nx = 1\n", { ":4:", "unknown section [nonsense]", "site" } },
		{ "[site]\nthis line has no equals sign\n", { ":2:", "syntax", NULL } },
		{ "[model]\ncpu_tdp = lots\n", { ":2:", "[model] cpu_tdp", "'lots'" } },
		{ "[model]\ncpu_tdp = 0\n", { ":2:", "[model] cpu_tdp", "1 to 1000" } },
		{ "[model]\ncpu_tdp = 150W\n", { ":2:", "[model] cpu_tdp", "'150W'" } },
		{ "[model]\nmemory_w_per_gb = -0.1\n", { ":2:", "[model] memory_w_per_gb", "0 to 10" } },
		{ "[model]\ngpu_tdp = 5000\n", { ":2:", "[model] gpu_tdp", "1 to 2000" } },
		{ "[model]\ngpu_tdp = nan\n", { ":2:", "[model] gpu_tdp", "'nan'" } },
		{ "[model]\ntdp = 100\n", { ":2:", "unknown key 'tdp'", "[model]" } },
		{ "[models]\ncpu_tdp = 100\n", { ":2:", "unknown section [models]", "embodied, node)" } },
		{ "[embodied]\nnode_kg = heavy\n", { ":2:", "[embodied] node_kg", "'heavy'" } },
		{ "[embodied]\ngpu_kg = -1\n", { ":2:", "[embodied] gpu_kg", "0 to 100000" } },
		{ "[embodied]\nnode_cores = 0\n", { ":2:", "[embodied] node_cores", "1 to 65536" } },
		{ "[embodied]\nlifetime_years = 50\n", { ":2:", "[embodied] lifetime_years", "1 to 20" } },
		{ "[node]\nmeter = bmc\n", { ":2:", "[node] meter", "'bmc' is not none, pm_counters" } },
		{ "[node]\ninterval = 0\n", { ":2:", "[node] interval", "1 to 3600" } },
		{ "[node]\nredfish_url = bmc1\n", { ":2:", "[node] redfish_url", "https://" } },
		{ "[node]\nredfish_url = ftp://bmc1\n", { ":2:", "[node] redfish_url", "'ftp://bmc1'" } },
		{ "[node]\nredfish_timeout = 0.01\n", { ":2:", "[node] redfish_timeout", "0.1 to 60" } },
		{ "[node]\nredfish_insecure = 1\n", { ":2:", "[node] redfish_insecure", "yes or no" } },
		{ "[node]\nstate_file = run/x\n", { ":2:", "[node] state_file", "absolute path" } },
		{ "[node]\nredfish_password_file = pw\n", { ":2:", "redfish_password_file", "absolute" } },
		{ "[node]\nhost = bmc1\n", { ":2:", "unknown key 'host'", "[node]" } },
		{ "[spool]\nmetrics_file = carbon.prom\n", { ":2:", "[spool] metrics_file", "absolute path" } },
		{ "[spool]\nmetrics_file = /var/lib/node-exporter/carbon.txt\n",
		  { ":2:", "[spool] metrics_file", "does not end in .prom" } },
		{ "[spool]\nmetrics_file = .prom\n", { ":2:", "[spool] metrics_file", ".prom" } },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct carbon_conf c;
		char err[512] = "";
		const char *path = write_conf("bad.conf", cases[i].text, 0644);

		conf_defaults(&c);
		if (conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)) == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		if (!strstr(err, path))
			fail_msg("case %zu: message does not name the file: %s", i, err);
		for (k = 0; k < 3 && cases[i].must[k]; k++)
			if (!strstr(err, cases[i].must[k]))
				fail_msg("case %zu: message lacks \"%s\": %s", i,
					 cases[i].must[k], err);
	}
}

/* [report] conninfo is carbon-report's own, apart from the plugin's. */
static void test_report_section(void **state)
{
	struct carbon_conf c;
	char err[512] = "";
	const char *path;

	(void)state;
	conf_defaults(&c);
	assert_string_equal(c.report_conninfo, "");
	path = write_conf("report.conf",
			  "[database]\nconninfo = host=db1 user=carbon_writer\n"
			  "[report]\nconninfo = host=db1 dbname=carbon\n", 0644);
	assert_int_equal(conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)), 0);
	assert_string_equal(c.conninfo, "host=db1 user=carbon_writer");
	assert_string_equal(c.report_conninfo, "host=db1 dbname=carbon");
	path = write_conf("report.conf", "[report]\nuser = alice\n", 0644);
	assert_int_equal(conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'user' in [report]"));
}

static void test_missing_file(void **state)
{
	struct carbon_conf c;
	char err[512] = "", path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ANY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
}

/* The plugin's trust rules; meaningful where the test runs as root. */
static void test_trust(void **state)
{
	struct carbon_conf c;
	char err[512];
	const char *path;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = write_conf("trust.conf", "[site]\nzone = DE\n", 0644);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), 0);

	path = write_conf("trust.conf", "[site]\nzone = DE\n", 0666);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "writable"));

	path = write_conf("trust.conf",
			  "[database]\nconninfo = dbname=carbon password=s3cret\n", 0644);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "password"));
	assert_null(strstr(err, "s3cret"));

	path = write_conf("trust.conf",
			  "[database]\nconninfo = dbname=carbon password=s3cret\n", 0600);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), 0);

	/* A reader's password in [report] is no less secret. */
	path = write_conf("trust.conf",
			  "[report]\nconninfo = dbname=carbon user=carbon_admin password=s3cret\n", 0644);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[report] conninfo holds a password"));
	assert_null(strstr(err, "s3cret"));

	path = write_conf("trust.conf",
			  "[database]\nconninfo = dbname=carbon password=s3cret\n", 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	conf_defaults(&c);
	assert_int_equal(conf_load(path, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "owned by root"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_model_section),
		cmocka_unit_test(test_embodied_section),
		cmocka_unit_test(test_node_readers),
		cmocka_unit_test(test_psys),
		cmocka_unit_test(test_spool_metrics_file),
		cmocka_unit_test(test_node_section),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_report_section),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_trust),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
