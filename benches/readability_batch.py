#!/usr/bin/env python3
"""Batch wrapper around readability-lxml for the extraction benchmark.

Called like refeed's own batch mode (`evaluate.py --batch --cmd ...`): takes a
folder of <id>.html files and prints {id: text} as JSON. readability-lxml
returns the article as HTML; html-text turns it into text the way a browser
would lay it out (the benchmark's own readability baseline does the same).
"""
import json
import pathlib
import sys

import html_text
from readability import Document


def extract(html: str) -> str:
    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # a page readability cannot parse scores zero, as it would in use
        return ""
    return html_text.extract_text(summary)


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    out = {}
    for page in sorted(folder.glob("*.html")):
        out[page.stem] = extract(page.read_text(encoding="utf-8", errors="replace"))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
