/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus' text exposition format (see prom.h). */
#include "prom.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 where there
 * is none: no overlong forms, surrogates or code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void prom_label_value(FILE *fp, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v ? v : "");
	size_t n;

	fputc('"', fp);
	while (*s) {
		if (*s == '\\' || *s == '"') {
			fputc('\\', fp);
			fputc(*s++, fp);
		} else if (*s == '\n') {
			fputs("\\n", fp);
			s++;
		} else if (*s < 0x20 || *s == 0x7f || !(n = utf8_len(s))) {
			fputs("\xef\xbf\xbd", fp);	/* U+FFFD */
			s++;
		} else {
			fwrite(s, 1, n, fp);
			s += n;
		}
	}
	fputc('"', fp);
}

void prom_family(FILE *fp, const char *name, const char *type, const char *help)
{
	const char *p;

	fprintf(fp, "# HELP %s ", name);
	for (p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", fp);
		else if (*p == '\n')
			fputs("\\n", fp);
		else
			fputc(*p, fp);
	}
	fprintf(fp, "\n# TYPE %s %s\n", name, type);
}

/* v in the shortest %g form that reads back as v. */
static void write_value(FILE *fp, double v)
{
	char buf[32];
	int prec;

	if (isnan(v)) {
		fputs("NaN", fp);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", fp);
		return;
	}
	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, fp);
}

void prom_sample(FILE *fp, const char *name, const char *const *labels, size_t nlabels,
		 double value)
{
	size_t i;

	fputs(name, fp);
	if (nlabels) {
		fputc('{', fp);
		for (i = 0; i < nlabels; i++) {
			fprintf(fp, "%s%s=", i ? "," : "", labels[2 * i]);
			prom_label_value(fp, labels[2 * i + 1]);
		}
		fputc('}', fp);
	}
	fputc(' ', fp);
	write_value(fp, value);
	fputc('\n', fp);
}

int prom_write_file(const char *path, prom_fill_fn fill, void *arg, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	char tmp[4096];
	FILE *fp = NULL;
	int fd = -1, rc = -1, n;

	base = base ? base + 1 : path;
	n = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	if (n < 0 || (size_t)n >= sizeof(tmp) || !*base) {
		snprintf(err, errlen, "metrics file '%s': not a file name, or too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file beside %s: %s", path,
			 strerror(errno));
		return -1;
	}
	/* Read by node_exporter, which runs as its own user. */
	if (fchmod(fd, 0644) < 0 || !(fp = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (fill(fp, arg, err, errlen) < 0)
		goto out;
	if (fflush(fp) != 0 || ferror(fp)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}
