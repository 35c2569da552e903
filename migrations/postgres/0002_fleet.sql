-- Many `refeed run` instances on one PostgreSQL database (issue 13).
--
-- `instances`: one row per running instance, its heartbeat renewed every
-- 2 s; an instance whose beat is older than 10 s is taken for dead (its
-- hosts go to the others). Rows of stopped instances are deleted at stop;
-- those of killed ones are pruned by the others after an hour.
CREATE TABLE instances (
    id         TEXT   PRIMARY KEY NOT NULL,
    started_at BIGINT NOT NULL,
    beat_at    BIGINT NOT NULL
);

-- `source_schedule`: when each source is due next, shared by the fleet,
-- and who holds the lease of its running refresh. A refresh is claimed by
-- setting the lease on a due row whose lease is free or expired (one
-- UPDATE, so exactly one instance wins); the lease is renewed while the
-- refresh runs and released with the next due time when it ends. `due_at`
-- NULL: the schedule never fires again. Times are unix milliseconds.
CREATE TABLE source_schedule (
    source_id   TEXT PRIMARY KEY NOT NULL,
    due_at      BIGINT,
    lease_owner TEXT,
    lease_until BIGINT
);

CREATE INDEX source_schedule_due ON source_schedule (due_at);
