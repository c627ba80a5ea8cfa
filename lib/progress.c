/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A progress line for long work: formatting (pure) and drawing in place. */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, enum progress_mode mode, FILE *out)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->forced = mode == PROGRESS_ON;
	p->on = p->forced || (mode == PROGRESS_AUTO && out && isatty(fileno(out)));
}

void progress_begin(struct progress *p, uint64_t total, enum progress_kind kind,
		    const char *label, const char *unit)
{
	if (!p || !p->on)
		return;
	snprintf(p->label, sizeof(p->label), "%s", label ? label : "");
	snprintf(p->unit, sizeof(p->unit), "%s", unit ? unit : "");
	p->kind = kind;
	p->total = total;
	p->done = 0;
	p->t0_s = monotonic_s();
	p->drawn_s = -1;
	p->width = 0;
	p->active = true;
}

/* Redraw over the last line: \r, the text, blanks over what is left of a
 * longer last line. */
static void draw(struct progress *p, double now_s)
{
	char line[160];
	int len = progress_format(line, sizeof(line), p->label, p->kind, p->unit, p->done,
				  p->total, now_s - p->t0_s);
	size_t w = len > 0 ? (size_t)len : 0;

	fprintf(p->out, "\r%s%*s", line, p->width > w ? (int)(p->width - w) : 0, "");
	fflush(p->out);
	p->width = w;
	p->drawn_s = now_s;
}

void progress_advance(struct progress *p, uint64_t n)
{
	double now_s;

	if (!p || !p->active)
		return;
	p->done += n;
	now_s = monotonic_s();
	if (now_s - (p->drawn_s >= 0 ? p->drawn_s : p->t0_s) >= PROGRESS_REDRAW_S)
		draw(p, now_s);
}

void progress_hide(struct progress *p)
{
	if (!p || !p->active || !p->width)
		return;
	fprintf(p->out, "\r%*s\r", (int)p->width, "");
	fflush(p->out);
	p->width = 0;
}

void progress_end(struct progress *p)
{
	if (!p || !p->active)
		return;
	if (p->drawn_s >= 0 || p->forced) {
		draw(p, monotonic_s());
		fputc('\n', p->out);
		fflush(p->out);
	}
	p->active = false;
}

/* value in the unit that suits scale (bytes): 1.5 for 1.5 MiB */
static const char *byte_unit(uint64_t scale, double *div)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t i = 0;

	*div = 1;
	while (i + 1 < sizeof(names) / sizeof(names[0]) && scale >= 1024 * (uint64_t)*div) {
		*div *= 1024;
		i++;
	}
	return names[i];
}

/* "0:07", "12:34", "1:02:03"; at most 99:59:59 */
static int format_duration(char *buf, size_t n, double s)
{
	unsigned long t = s >= 359999 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		return snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	return snprintf(buf, n, "%lu:%02lu", t / 60, t % 60);
}

int progress_format(char *buf, size_t n, const char *label, enum progress_kind kind,
		    const char *unit, uint64_t done, uint64_t total, double elapsed_s)
{
	char amount[64], rate_text[48];
	double rate;
	int len;

	if (total && done > total)
		done = total;
	rate = elapsed_s > 0 ? (double)done / elapsed_s : -1;
	if (kind == PROGRESS_BYTES) {
		double div;
		const char *u = byte_unit(total ? total : done, &div);

		if (div == 1 && total)
			snprintf(amount, sizeof(amount), "%llu/%llu %s",
				 (unsigned long long)done, (unsigned long long)total, u);
		else if (div == 1)
			snprintf(amount, sizeof(amount), "%llu %s", (unsigned long long)done, u);
		else if (total)
			snprintf(amount, sizeof(amount), "%.1f/%.1f %s", (double)done / div,
				 (double)total / div, u);
		else
			snprintf(amount, sizeof(amount), "%.1f %s", (double)done / div, u);
		if (rate < 0) {
			snprintf(rate_text, sizeof(rate_text), "- %s/s", u);
		} else {
			u = byte_unit((uint64_t)rate, &div);
			snprintf(rate_text, sizeof(rate_text), "%.1f %s/s", rate / div, u);
		}
	} else {
		if (total)
			snprintf(amount, sizeof(amount), "%llu/%llu %s", (unsigned long long)done,
				 (unsigned long long)total, unit);
		else
			snprintf(amount, sizeof(amount), "%llu %s", (unsigned long long)done, unit);
		if (rate < 0)
			snprintf(rate_text, sizeof(rate_text), "- %s/s", unit);
		else
			snprintf(rate_text, sizeof(rate_text), rate >= 100 ? "%.0f %s/s" : "%.1f %s/s",
				 rate, unit);
	}
	if (total) {
		char left[24];

		if (rate > 0)
			format_duration(left, sizeof(left), (double)(total - done) / rate);
		else
			snprintf(left, sizeof(left), "-");
		len = snprintf(buf, n, "%s: %s (%u%%), %s, %s left", label, amount,
			       (unsigned)((double)done * 100.0 / (double)total), rate_text, left);
	} else {
		len = snprintf(buf, n, "%s: %s, %s", label, amount, rate_text);
	}
	if (len < 0)
		return 0;
	return n && (size_t)len >= n ? (int)n - 1 : len;
}
