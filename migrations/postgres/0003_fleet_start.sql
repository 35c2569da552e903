-- When the running fleet started (issue 13): one row. An instance joins
-- under this row's lock (SELECT … FOR UPDATE). One that finds no other
-- live instance starts the fleet anew: it sets `started_at` and makes
-- every source due once, in the same transaction; one that finds a live
-- instance joins the running fleet and makes nothing due. So a fleet's
-- start refreshes each source once, however many instances start at
-- once. Unix milliseconds; 0 before the first start.
CREATE TABLE fleet (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    started_at BIGINT  NOT NULL
);

INSERT INTO fleet (id, started_at) VALUES (1, 0);
