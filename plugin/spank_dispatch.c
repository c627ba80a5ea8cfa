/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPANK entry points of spank_carbon.so: each callback hands its work to the
 * file of the context it runs in (spank_submit.c, spank_stepd.c). */
#include <string.h>

#include "carbon_plugin.h"

SPANK_PLUGIN(carbon, 1);

struct plugin_context carbon_ctx;

static struct spank_option carbon_options[] = {
	{ "carbon-tag", "TAG",
	  "Label this job's energy and CO2e for an emission statement, e.g. a "
	  "NeuCLIR run id (at most 64 of A-Z a-z 0-9 . _ : + / -). Default: "
	  "$CARBON_TAG.",
	  1, OPT_TAG, carbon_option_cb },
	{ "carbon-project", "NAME",
	  "Project (team) this job's emissions count for. Default: the job's "
	  "Slurm account.",
	  1, OPT_PROJECT, carbon_option_cb },
	SPANK_OPTIONS_TABLE_END
};

void carbon_parse_args(int ac, char **av, bool log_errors)
{
	int i;

	conf_copy_str(carbon_ctx.config_path, sizeof(carbon_ctx.config_path),
		      CARBON_DEFAULT_CONFIG);
	for (i = 0; i < ac; i++) {
		if (strncmp(av[i], "config=", 7) == 0) {
			if (!conf_copy_str(carbon_ctx.config_path,
					   sizeof(carbon_ctx.config_path), av[i] + 7) &&
			    log_errors)
				slurm_error("carbon: plugstack.conf: config= path is too long");
		} else if (log_errors) {
			slurm_error("carbon: plugstack.conf: unknown argument '%s' ignored (known: config=PATH)",
				    av[i]);
		}
	}
}

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	spank_context_t ctx = spank_context();
	int i;

	if (ctx != S_CTX_LOCAL && ctx != S_CTX_ALLOCATOR && ctx != S_CTX_REMOTE)
		return 0;
	for (i = 0; carbon_options[i].name; i++) {
		if (spank_option_register(sp, &carbon_options[i]) != ESPANK_SUCCESS)
			slurm_error("carbon: cannot register --%s", carbon_options[i].name);
	}
	carbon_parse_args(ac, av, ctx == S_CTX_REMOTE);
	if (ctx == S_CTX_REMOTE)
		return carbon_stepd_init(sp);
	return 0;
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_LOCAL:
	case S_CTX_ALLOCATOR:
		return carbon_submit_check_env();
	case S_CTX_REMOTE:
		return carbon_stepd_post_opt(sp);
	default:
		return 0;
	}
}

int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	if (spank_context() == S_CTX_REMOTE)
		return carbon_stepd_task_exit(sp);
	return 0;
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	if (spank_context() == S_CTX_REMOTE)
		return carbon_stepd_exit(sp);
	return 0;
}
