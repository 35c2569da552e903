#!/usr/bin/env python3
"""Batch wrapper around trafilatura for the extraction benchmark.

Called like refeed's own batch mode (`evaluate.py --batch --cmd ...`): takes a
folder of <id>.html files and prints {id: text} as JSON, so both extractors
are timed the same way, in one process for all pages. Settings follow the
benchmark's own trafilatura run (precision/recall defaults, no comments, no
tables fallback changes).
"""
import json
import pathlib
import sys

import trafilatura


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    out = {}
    for page in sorted(folder.glob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        text = trafilatura.extract(html, include_comments=False)
        out[page.stem] = text or ""
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
