/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's power from its BMC through the DCMI "Get Power Reading"
 * command (DCMI 1.5), in-band through the kernel's IPMI
 * driver (/dev/ipmi0), with FreeIPMI's libfreeipmi: for carbon-nodemeter. */
#ifndef CARBON_METER_IPMI_H
#define CARBON_METER_IPMI_H

#include <stddef.h>

#include "conf.h"
#include "node_counter.h"

struct ipmi_meter;

/* Whether IPMI support was built in (libfreeipmi found at configure time). */
extern const int ipmi_built_in;

/* Open the BMC through c's [node] ipmi_device. Returns 0 with *out set, or
 * -1 with a reason in err: "no BMC (/dev/ipmi0): ..." when the device is
 * not there or the driver does not answer, or IPMI not built in. */
int ipmi_meter_open(struct ipmi_meter **out, const struct carbon_conf *c, char *err,
		    size_t errlen);

/* One reading into *s: the average power over the BMC's statistics period
 * (window_s), its current power where it has no period. Returns 0, or -1
 * with a reason in err (the command failed; power measurement not active). */
int ipmi_meter_read(struct ipmi_meter *m, struct node_sample *s, char *err,
		    size_t errlen);

/* Close m; NULL is fine. */
void ipmi_meter_close(struct ipmi_meter *m);

#endif
