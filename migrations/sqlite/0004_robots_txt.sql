-- robots.txt answers kept across restarts (fetch::robots): RFC 9309 §2.4
-- lets a crawler reuse one for up to 24 hours, and a `refeed once` run from
-- cron would otherwise ask every host again each time. Times are unix
-- milliseconds, UTC, as in 0001.
CREATE TABLE robots_txt (
    -- The origin, e.g. 'https://example.org' (fetch's cache key).
    origin  TEXT    PRIMARY KEY NOT NULL,
    -- 200 for a fetched file, else the status that decided the rules.
    status  INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),
    -- The file as fetched; empty unless status is 2xx.
    body    BLOB    NOT NULL,
    -- When the answer stops counting; expired rows are deleted on save.
    expires INTEGER NOT NULL
) STRICT;
