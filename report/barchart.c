/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SVG bar chart of carbon-report track. */
#include "barchart.h"

#include <string.h>

/* Geometry in px. Text is not measured (no fonts at hand): labels get a
 * column wide enough for their characters at the chart's font size. */
enum {
	ROW_H = 28, BAR_H = 20, PAD = 8, BAR_MAX_W = 360, VALUE_W = 150,
	CHAR_W = 8, LABEL_MIN_W = 80, LABEL_MAX_W = 240,
};

void html_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp); break;
		}
	}
}

void barchart_svg(FILE *fp, const struct bar *bars, size_t n, const char *title,
		  enum table_unit unit, const char *suffix, int standalone)
{
	double max = 0.0;
	char num[32];
	int label_w = LABEL_MIN_W, width, height;
	size_t i;

	for (i = 0; i < n; i++) {
		int w = (int)strlen(bars[i].label ? bars[i].label : "-") * CHAR_W + PAD;

		if (w > label_w)
			label_w = w < LABEL_MAX_W ? w : LABEL_MAX_W;
		if (bars[i].value > max)
			max = bars[i].value;
	}
	width = PAD + label_w + BAR_MAX_W + VALUE_W;
	height = 2 * PAD + (int)n * ROW_H;
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\""
		" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", width, height, width, height);
	html_escape(fp, title);
	fputs("\" font-family=\"sans-serif\" font-size=\"13\">\n<title>", fp);
	html_escape(fp, title);
	fputs("</title>\n", fp);
	for (i = 0; i < n; i++) {
		const char *label = bars[i].label ? bars[i].label : "-";
		int y = PAD + (int)i * ROW_H;
		double w = max > 0.0 ? BAR_MAX_W * bars[i].value / max : 0.0;

		fputs("<g class=\"row\">\n", fp);
		fprintf(fp, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			PAD + label_w - PAD, y + BAR_H - 5);
		html_escape(fp, label);
		fputs("</text>\n<rect class=\"bar\" data-project=\"", fp);
		html_escape(fp, label);
		fprintf(fp, "\" data-rank=\"%zu\" data-value=\"%.6g\" x=\"%d\" y=\"%d\" width=\"%.1f\""
			" height=\"%d\" fill=\"#2e7d32\"/>\n", i + 1, bars[i].value,
			PAD + label_w, y, w, BAR_H);
		fprintf(fp, "<text class=\"value\" x=\"%.1f\" y=\"%d\">%s", PAD + label_w + w + 6,
			y + BAR_H - 5, table_amount(bars[i].value, unit, num, sizeof(num)));
		html_escape(fp, suffix);
		fputs("</text>\n</g>\n", fp);
	}
	fputs("</svg>\n", fp);
}
