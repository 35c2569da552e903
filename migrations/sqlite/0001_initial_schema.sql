-- refeed's first schema. Times are unix milliseconds, UTC (INTEGER): they
-- sort and compare as numbers, and `datetime(x / 1000, 'unixepoch')` shows
-- them in the sqlite3 shell. STRICT tables reject values of the wrong type.

-- One row per configured source that has been refreshed at least once.
CREATE TABLE sources (
    id    TEXT PRIMARY KEY NOT NULL,
    -- The title scraped from the source's page or feed (NULL until seen).
    title TEXT
) STRICT;

-- One row per (source, canonical URL): an item is stored once, ever.
CREATE TABLE items (
    id         INTEGER PRIMARY KEY,
    source_id  TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    -- Canonical URL: the item's identity within its source.
    url        TEXT    NOT NULL CHECK (url <> ''),
    -- The link as the outlet gave it, for readers to open.
    link       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    summary    TEXT,
    content    TEXT,
    author     TEXT,
    -- The outlet's date, else first_seen; fixed once written, so an undated
    -- item never comes back as new. The one exception: a first-seen date is
    -- replaced, once, by the outlet's own when a later refresh learns it
    -- (the article page that carries it could not be fetched at first sight).
    published  INTEGER NOT NULL,
    -- 1 when `published` is the outlet's date, 0 when it is first_seen.
    dated      INTEGER NOT NULL CHECK (dated IN (0, 1)),
    -- The outlet's own modification date, when it states one.
    modified   INTEGER,
    first_seen INTEGER NOT NULL,
    -- When the item last changed (see store::ingest for the rules).
    updated    INTEGER NOT NULL,
    UNIQUE (source_id, url)
) STRICT;

-- The feed queries: newest first, ties in insertion (listing) order.
CREATE INDEX items_source_published ON items (source_id, published DESC, id);
CREATE INDEX items_published ON items (published DESC, id);

-- One row per refresh attempt, successful or not.
CREATE TABLE refreshes (
    id        INTEGER PRIMARY KEY,
    source_id TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    started   INTEGER NOT NULL,
    finished  INTEGER NOT NULL,
    ok        INTEGER NOT NULL CHECK (ok IN (0, 1)),
    -- The failure message; NULL exactly when ok = 1.
    error     TEXT    CHECK ((ok = 1) = (error IS NULL)),
    seen      INTEGER NOT NULL DEFAULT 0,
    new       INTEGER NOT NULL DEFAULT 0,
    updated   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The latest record per source (max id per source_id).
CREATE INDEX refreshes_source ON refreshes (source_id, id);
