-- Polite fetching and source health (issue 5): HTTP validators for
-- conditional GET, 304s and Retry-After in the refresh records, and the
-- stale-source warning. Times are unix milliseconds, UTC, as in 0001.

-- The validators of the latest stored response of each page a source
-- fetched, sent back as If-None-Match / If-Modified-Since. Written only in
-- the transaction that stores what the page yielded (store::ingest), so a
-- validator never outlives a crash that lost its page's items (the next
-- fetch would answer 304 and the items would never be stored).
--
-- Kept per source, not per URL: two sources may read the same page with
-- different rules, and one's validators must never make the other's fetch
-- a 304 before it has stored what the page now holds.
CREATE TABLE http_validators (
    source_id     TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    -- The page's URL as requested (before redirects): the key the fetcher
    -- looks up before its request.
    url           TEXT    NOT NULL,
    -- The digest of the source's parsing rules when the page was stored
    -- (config::Source::rules_digest): after the rules change the stored
    -- validators no longer count, so the page is parsed again.
    rules         TEXT    NOT NULL,
    -- The ETag header, verbatim (quotes and W/ included).
    etag          TEXT,
    -- The Last-Modified header, verbatim.
    last_modified TEXT,
    -- When the pair was saved.
    saved         INTEGER NOT NULL,
    -- A response without either header is not stored: the row is deleted.
    CHECK (etag IS NOT NULL OR last_modified IS NOT NULL),
    PRIMARY KEY (source_id, url)
) STRICT;

-- 1 when the outlet answered 304 Not Modified: nothing was parsed or written
-- but the record (seen/new/updated are then 0). Only a success can be one.
ALTER TABLE refreshes ADD COLUMN not_modified INTEGER NOT NULL DEFAULT 0
    CHECK (not_modified IN (0, 1) AND (not_modified = 0 OR ok = 1));

-- A failure whose server said when to come back (Retry-After on a 429 or
-- 503): not before this time. NULL otherwise, and always NULL on a success.
ALTER TABLE refreshes ADD COLUMN retry_at INTEGER
    CHECK (retry_at IS NULL OR ok = 0);

-- The stale-source warning (store::stale): the three columns are all NULL
-- (healthy, or never judged) or all set (the checks on the last column
-- below; ALTER TABLE cannot add a table constraint).
-- Which check fired: 'listing' (items dropped to none) or 'extraction'
-- (articles dropped to almost no text); model::StaleKind::as_str.
ALTER TABLE sources ADD COLUMN stale_kind TEXT
    CHECK (stale_kind IN ('listing', 'extraction'));
-- When the source was first found stale for this reason; kept while it
-- stays stale, so its feed entry keeps one id and date.
ALTER TABLE sources ADD COLUMN stale_since INTEGER;
-- What changed, for people (shown in the log, /status and the feed entry).
ALTER TABLE sources ADD COLUMN stale_message TEXT
    CHECK ((stale_kind IS NULL) = (stale_since IS NULL)
           AND (stale_kind IS NULL) = (stale_message IS NULL));

-- Source health (store::health) reads, per source, the latest success and
-- the latest success that parsed a page: an index walk each, not a scan of
-- every record ever kept.
CREATE INDEX refreshes_source_ok ON refreshes (source_id, ok, id);
