-- Files kept as evidence (docs/files.md): see the PostgreSQL migration of
-- the same number. Expand only: new tables.

-- +goose Up
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id),
    target          TEXT NOT NULL,
    target_id       TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    filename        TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    taken_on        DATE,
    place           TEXT NOT NULL DEFAULT '',
    exif_taken_at   DATETIME,
    exif_latitude   REAL,
    exif_longitude  REAL,
    note            TEXT NOT NULL DEFAULT '',
    uploaded_by     TEXT NOT NULL,
    uploaded_at     DATETIME NOT NULL,
    withdrawn_at    DATETIME,
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdraw_reason TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL
);

CREATE INDEX attachments_project ON attachments (project_id, target, target_id, uploaded_at, id);

-- +goose Down
DROP TABLE attachments;
DROP TABLE blob_chunks;
DROP TABLE blobs;
