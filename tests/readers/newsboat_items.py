#!/usr/bin/env python3
"""Prints the items newsboat stored in its cache database as JSON on stdout:
one object per rss_item row (guid, title, author, url, feedurl, pubDate as
Unix seconds, content, enclosure URL and type). Newsboat exits 0 even when a feed failed, so the
cache is the only evidence of what it read. Used by tests/it/readers.rs.
"""
import json
import sqlite3
import sys

COLUMNS = [
    "guid", "title", "author", "url", "feedurl", "pubDate", "content",
    "enclosure_url", "enclosure_type",
]

db = sqlite3.connect(sys.argv[1])
rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM rss_item ORDER BY pubDate DESC")
print(json.dumps([dict(zip(COLUMNS, row)) for row in rows]))
