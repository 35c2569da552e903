-- A URL is enough (issue 10): how each source's items are found, and each
-- item's image. Times are unix milliseconds, UTC, as in 0001.

-- The item's image (a teaser's thumbnail, a feed's enclosure): an absolute
-- http(s) URL, served as the item's enclosure / JSON Feed `image`.
ALTER TABLE items ADD COLUMN image TEXT;

-- What the last successful refresh of a source learned of how its items are
-- found (model::DiscoveryRecord), reused by the next refresh. Written only
-- in the transaction that stores that refresh's items (store::ingest), so a
-- failed refresh leaves it as it was.
CREATE TABLE source_discovery (
    source_id TEXT    PRIMARY KEY NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    -- model::Method::name.
    method    TEXT    NOT NULL
        CHECK (method IN ('selectors', 'feed', 'wordpress', 'structured', 'teasers')),
    -- For teasers, the item pattern as CSS selectors: model::TeaserPattern
    -- as JSON (serde).
    pattern   TEXT    CHECK (pattern IS NULL OR json_valid(pattern)),
    -- How many items the method found (reuse holds while a refresh finds at
    -- least half as many).
    items     INTEGER NOT NULL CHECK (items >= 0),
    -- Why the source's WordPress REST API was given up (401/403/404, not
    -- JSON, robots), so it is not asked again; NULL when it was not.
    wordpress_refused TEXT,
    -- When the method or the teaser pattern last changed (the start of the
    -- refresh that changed it; the first refresh's start at first).
    since     INTEGER NOT NULL,
    -- The method used before that change; NULL before any change.
    previous  TEXT
        CHECK (previous IN ('selectors', 'feed', 'wordpress', 'structured', 'teasers'))
) STRICT;
