#!/usr/bin/env python3
"""Parses one feed URL with feedparser, the library behind many readers, and
prints what a reader would show as JSON on stdout: bozo (and why), the feed's
version and title, and per entry its id, title, link, dates (Unix seconds,
UTC), author, summary, content, enclosures and Media RSS thumbnails.

Used by tests/it/readers.rs; exits 3 when feedparser is not installed.
"""
import calendar
import json
import sys

try:
    import feedparser
except ImportError:
    sys.exit(3)


def seconds(parsed):
    """A feedparser *_parsed struct (UTC) as Unix seconds, or None."""
    return calendar.timegm(parsed) if parsed else None


def entry(e):
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "published": seconds(e.get("published_parsed")),
        "updated": seconds(e.get("updated_parsed")),
        "author": e.get("author"),
        "summary": e.get("summary"),
        "content": [c.get("value") for c in e.get("content", [])],
        "enclosures": [
            {"href": x.get("href"), "type": x.get("type")}
            for x in e.get("enclosures", [])
        ],
        "media_thumbnail": [t.get("url") for t in e.get("media_thumbnail", [])],
    }


def main():
    d = feedparser.parse(sys.argv[1])
    print(json.dumps({
        "feedparser": feedparser.__version__,
        "bozo": int(d.bozo),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "status": d.get("status"),
        "version": d.get("version"),
        "title": d.feed.get("title"),
        "link": d.feed.get("link"),
        "language": d.feed.get("language"),
        "entries": [entry(e) for e in d.entries],
    }))


main()
