#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# statement --format latex compiles: each fixture's LaTeX golden (the
# renderer's output, pinned by test_statement_render) wrapped in a minimal
# document and run through pdflatex from Debian's texlive-latex-base. Skipped
# where pdflatex is absent (tests/install-deps.sh installs it).
golden="${top_srcdir:-.}/tests/golden/statement-model"
set -- "$golden"/*.tex
echo "1..$#"
if ! command -v pdflatex > /dev/null 2>&1; then
	i=0
	for f; do
		i=$((i + 1))
		echo "ok $i - $(basename "$f") compiles # SKIP pdflatex is not installed (texlive-latex-base)"
	done
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/statement-latex.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
i=0
for f; do
	i=$((i + 1))
	name=$(basename "$f" .tex)
	{
		printf '\\documentclass{article}\n\\begin{document}\n'
		cat "$f"
		printf '\\end{document}\n'
	} > "$dir/$name.tex"
	if (cd "$dir" && pdflatex -interaction=nonstopmode -halt-on-error "$name.tex") \
		> "$dir/$name.out" 2>&1 && [ -s "$dir/$name.pdf" ]; then
		echo "ok $i - $name.tex compiles with pdflatex in a minimal document"
	else
		echo "not ok $i - $name.tex compiles with pdflatex in a minimal document"
		grep -A3 '^!' "$dir/$name.out" | sed 's/^/# /'
	fi
done
