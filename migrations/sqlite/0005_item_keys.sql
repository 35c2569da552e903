-- Dedup keys (issue 9, point 7): the looser forms under which an item is
-- matched (model::dedup_key: http and https, trailing slash, `//`, AMP
-- forms, referral tags; and the key of its article's rel=canonical). An
-- item's id (items.url) is not changed: these only decide which stored
-- item a new link is.
--
-- The keys of items stored before this migration are computed at open by
-- refeed itself (store::keys), as SQL cannot run the normalizer; the row
-- of pending_backfills below says that is still to do. A key
-- names one item per source, the first to claim it: two items stored
-- earlier under links that now share a key both stay, and the key keeps
-- naming the older one, so a third never appears.
CREATE TABLE item_keys (
    source_id TEXT    NOT NULL,
    key       TEXT    NOT NULL CHECK (key <> ''),
    item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, key)
) STRICT, WITHOUT ROWID;

-- Finding the items that still lack keys, and the cascade from items.
CREATE INDEX item_keys_item ON item_keys (item_id);

-- Repairs a migration leaves to refeed's own code, by name: the open that
-- performs one deletes its row in the same transaction, so later opens
-- cost one lookup.
CREATE TABLE pending_backfills (
    name TEXT PRIMARY KEY NOT NULL
) STRICT;
INSERT INTO pending_backfills (name) VALUES ('item_keys');
