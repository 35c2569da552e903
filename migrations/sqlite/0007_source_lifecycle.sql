-- Source lifecycle (issue 12, point 8): removed sources, renamed sources and
-- per-source retention with tombstones. Times are unix milliseconds, UTC,
-- as in 0001.

-- When the source was first seen missing from the config (store::lifecycle
-- marks it at every start and reload); NULL while it is configured. Its
-- items are kept `[storage] keep_removed` after this, then deleted.
ALTER TABLE sources ADD COLUMN removed_since INTEGER;

-- Ids a source was known by before `previous_ids` renamed it: the feed
-- URLs of `old_id` answer 301 to those of `new_id`. A rename of a rename
-- points the older row at the newest id.
CREATE TABLE source_renames (
    old_id  TEXT    PRIMARY KEY NOT NULL,
    new_id  TEXT    NOT NULL CHECK (new_id <> old_id),
    renamed INTEGER NOT NULL
) STRICT;

-- Items deleted by retention (`keep`, `keep_items`): a 64-bit hash
-- (model::fnv1a) of each form the item was matched under (its id and its
-- dedup keys), so that the item, still on the outlet's listing, is never
-- stored again as new. `seen` is when the listing last carried it; a
-- tombstone unseen for store::retention::TOMBSTONE_UNSEEN is dropped, and
-- a source keeps at most store::retention::MAX_TOMBSTONES.
CREATE TABLE item_tombstones (
    source_id TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    key_hash  INTEGER NOT NULL,
    seen      INTEGER NOT NULL,
    PRIMARY KEY (source_id, key_hash)
) STRICT, WITHOUT ROWID;

-- Dropping the tombstones unseen the longest.
CREATE INDEX item_tombstones_seen ON item_tombstones (source_id, seen);
