-- Boilerplate learned per source (issue 3): which fingerprints of normalized
-- text blocks (see extract::learned) each of a source's article pages
-- carries. A block on many of a source's pages is boilerplate for it.
-- Fingerprints are u64 values stored bit for bit as INTEGER (i64).

-- The article pages remembered per source; the highest ids are the most
-- recently seen (a page seen again is re-inserted). Only the latest pages
-- are kept (store::learned::PAGES_REMEMBERED).
CREATE TABLE learned_pages (
    id        INTEGER PRIMARY KEY,
    source_id TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    -- Canonical URL of the article.
    url       TEXT    NOT NULL,
    UNIQUE (source_id, url)
) STRICT;

-- Pruning all but the latest pages of a source.
CREATE INDEX learned_pages_source ON learned_pages (source_id, id);

-- The fingerprints each remembered page carries, each once per page.
CREATE TABLE learned_blocks (
    page_id     INTEGER NOT NULL REFERENCES learned_pages (id) ON DELETE CASCADE,
    source_id   TEXT    NOT NULL,
    fingerprint INTEGER NOT NULL,
    PRIMARY KEY (page_id, fingerprint)
) STRICT, WITHOUT ROWID;

-- Counting the pages of each fingerprint of one source.
CREATE INDEX learned_blocks_source ON learned_blocks (source_id, fingerprint);

-- The boilerplate every stored article of a source has been cleaned of:
-- when the learned set gains a fingerprint missing here, stored articles
-- are re-cleaned, then this set is replaced by the learned one.
CREATE TABLE learned_cleared (
    source_id   TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    fingerprint INTEGER NOT NULL,
    PRIMARY KEY (source_id, fingerprint)
) STRICT, WITHOUT ROWID;
