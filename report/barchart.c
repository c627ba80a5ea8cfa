/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SVG bar chart of carbon-report track. */
#include "barchart.h"

#include <string.h>

/* Geometry in px. Text is not measured (no fonts at hand): labels get a
 * column wide enough for their characters at the chart's font size. */
enum {
	ROW_H = 28, BAR_H = 20, PAD = 8, BAR_MAX_W = 360, VALUE_W = 150,
	CHAR_W = 8, LABEL_MIN_W = 80, LABEL_MAX_W = 240,
	LEGEND_H = 18, LEGEND_BOX = 12,	/* a legend line, and its colour's square */
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

/* The <svg> element's start, its accessible name and title. */
static void svg_open(FILE *fp, const char *cls, int width, int height, const char *title,
		     int standalone)
{
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%d\" height=\"%d\""
		" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", cls, width, height, width, height);
	html_escape(fp, title);
	fputs("\" font-family=\"sans-serif\" font-size=\"13\">\n<title>", fp);
	html_escape(fp, title);
	fputs("</title>\n", fp);
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
	svg_open(fp, "chart", width, height, title, standalone);
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

/* Series colours, told apart on screen and in print; none is the plain
 * chart's green. */
static const char *const series_fill[] = {
	"#1f77b4", "#ff7f0e", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
};
#define N_FILLS (sizeof(series_fill) / sizeof(series_fill[0]))

const char *barchart_series_fill(size_t series)
{
	return series_fill[series % N_FILLS];
}

void barchart_stacked_svg(FILE *fp, const char *const *rows, size_t n_rows,
			  const char *const *series, size_t n_series, const double *values,
			  const char *title, enum table_unit unit, const char *suffix,
			  int standalone)
{
	int label_w = LABEL_MIN_W, legend_h = 0, width, height, lx = PAD;
	double max = 0.0;
	char num[32];
	size_t r, s;

	for (r = 0; r < n_rows; r++) {
		double sum = 0.0;
		int w = (int)strlen(rows[r]) * CHAR_W + PAD;

		if (w > label_w)
			label_w = w < LABEL_MAX_W ? w : LABEL_MAX_W;
		for (s = 0; s < n_series; s++)
			sum += values[r * n_series + s];
		if (sum > max)
			max = sum;
	}
	width = PAD + label_w + BAR_MAX_W + VALUE_W;
	/* The legend: one line per series under the bars. */
	legend_h = (int)n_series * (LEGEND_H);
	height = 2 * PAD + (int)n_rows * ROW_H + legend_h;
	svg_open(fp, "chart timeline", width, height, title, standalone);
	for (r = 0; r < n_rows; r++) {
		int y = PAD + (int)r * ROW_H;
		double x = PAD + label_w, sum = 0.0;

		fputs("<g class=\"row\">\n", fp);
		fprintf(fp, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			PAD + label_w - PAD, y + BAR_H - 5);
		html_escape(fp, rows[r]);
		fputs("</text>\n", fp);
		for (s = 0; s < n_series; s++) {
			double v = values[r * n_series + s];
			double w = max > 0.0 ? BAR_MAX_W * v / max : 0.0;

			sum += v;
			if (v <= 0.0)
				continue;
			fputs("<rect class=\"seg\" data-project=\"", fp);
			html_escape(fp, series[s] ? series[s] : "-");
			fputs("\" data-week=\"", fp);
			html_escape(fp, rows[r]);
			fprintf(fp, "\" data-value=\"%.6g\" x=\"%.3f\" y=\"%d\" width=\"%.3f\" height=\"%d\""
				" fill=\"%s\"/>\n", v, x, y, w, BAR_H, barchart_series_fill(s));
			x += w;
		}
		fprintf(fp, "<text class=\"value\" x=\"%.1f\" y=\"%d\">%s", x + 6, y + BAR_H - 5,
			table_amount(sum, unit, num, sizeof(num)));
		html_escape(fp, suffix);
		fputs("</text>\n</g>\n", fp);
	}
	for (s = 0; s < n_series; s++) {
		int y = PAD + (int)n_rows * ROW_H + (int)s * LEGEND_H;

		fprintf(fp, "<g class=\"legend\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">", lx + label_w - LEGEND_BOX, y + 2, LEGEND_BOX, LEGEND_BOX,
			barchart_series_fill(s), lx + label_w + 6, y + LEGEND_BOX);
		html_escape(fp, series[s] ? series[s] : "-");
		fputs("</text></g>\n", fp);
	}
	fputs("</svg>\n", fp);
}
