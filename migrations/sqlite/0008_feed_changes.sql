-- Which sources' served feeds each write changed, and which store wrote it
-- (issue 12: every process sees every write). A serving process notices that
-- another connection committed (PRAGMA data_version, store::watch), reads
-- the rows after the last one it saw, and re-renders the feeds of the
-- sources that other writers (`refeed once` beside `refeed run`) changed;
-- its own rows it has acted on already. Written in the transaction of the
-- write it describes, so a row never outlives a rolled-back write.
CREATE TABLE feed_changes (
    -- Grows with every row: the newest row is never pruned, so a rowid is
    -- never reused.
    seq       INTEGER PRIMARY KEY,
    -- The source whose feed changed (no foreign key: the log outlives a
    -- source removed from the database).
    source_id TEXT    NOT NULL,
    -- The writing store: its process id in the high 32 bits, a counter of
    -- the stores that process opened in the low ones.
    writer    INTEGER NOT NULL
) STRICT;
