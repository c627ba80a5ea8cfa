/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbatch / salloc / srun: refuse a bad --carbon-tag or --carbon-project at
 * submission, where the user sees the message, never inside the step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon_plugin.h"

int carbon_option_cb(int val, const char *optarg, int remote)
{
	const char *name = val == OPT_TAG ? "carbon-tag" : "carbon-project";
	char *dst = val == OPT_TAG ? carbon_ctx.opt_tag : carbon_ctx.opt_project;
	size_t cap = val == OPT_TAG ? sizeof(carbon_ctx.opt_tag) : sizeof(carbon_ctx.opt_project);
	const char *why;

	if (!optarg)
		optarg = "";
	if (!label_is_valid(optarg, &why)) {
		if (remote) {
			/* Checked at submission already; never fail the step. */
			carbon_ctx.opt_bad = true;
			return 0;
		}
		slurm_error("carbon: --%s='%.80s%s' refused: %s. Use at most 64 letters, digits and . _ : + / - (e.g. --%s=neuclir-run3).",
			    name, optarg, strlen(optarg) > 80 ? "..." : "", why, name);
		return -1;
	}
	conf_copy_str(dst, cap, optarg);
	return 0;
}

int carbon_submit_check_env(void)
{
	const char *tag = getenv("CARBON_TAG");
	const char *why;

	if (!tag || carbon_ctx.opt_tag[0])
		return 0;
	if (!label_is_valid(tag, &why)) {
		slurm_error("carbon: CARBON_TAG='%.80s' refused: %s. Set it to at most 64 letters, digits and . _ : + / -, or unset it.",
			    tag, why);
		return -1;
	}
	return 0;
}
