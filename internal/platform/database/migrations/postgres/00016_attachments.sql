-- Files kept as evidence (docs/files.md): the attachments of projects and
-- their content, kept once per SHA-256 in chunks so that a download streams.
-- Expand only: new tables.

-- +goose Up
-- A content kept in the database: its SHA-256 in hex, its size and the
-- media type detected when it was first uploaded.
CREATE TABLE blobs (
    sha256     text PRIMARY KEY,
    size_bytes bigint NOT NULL,
    media_type text NOT NULL,
    created_at timestamptz NOT NULL
);

-- The content in chunks of 256 KiB, by their order (seq from 0). While an
-- upload streams, its chunks are written under 'upload:' and an upload ID,
-- in the upload's transaction, and named by the content's hash at its end
-- (or dropped when the content is kept already).
CREATE TABLE blob_chunks (
    sha256 text NOT NULL,
    seq    integer NOT NULL,
    data   bytea NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE attachments (
    id              uuid PRIMARY KEY,
    project_id      uuid NOT NULL REFERENCES projects (id),
    -- project, approval (an approval item's code), transition (a stage
    -- move's ID) or report (a report's period, YYYY-MM).
    target          text NOT NULL,
    target_id       text NOT NULL DEFAULT '',
    kind            text NOT NULL,
    filename        text NOT NULL,
    media_type      text NOT NULL,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    -- The uploader's 拍摄日期 and 地点 of a site photo.
    taken_on        date,
    place           text NOT NULL DEFAULT '',
    -- The photo's own EXIF: DateTimeOriginal and its GPS position.
    exif_taken_at   timestamptz,
    exif_latitude   double precision,
    exif_longitude  double precision,
    note            text NOT NULL DEFAULT '',
    uploaded_by     text NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    withdrawn_at    timestamptz,
    withdrawn_by    text NOT NULL DEFAULT '',
    withdraw_reason text NOT NULL DEFAULT '',
    version         integer NOT NULL
);

CREATE INDEX attachments_project ON attachments (project_id, target, target_id, uploaded_at, id);

-- +goose Down
DROP TABLE attachments;
DROP TABLE blob_chunks;
DROP TABLE blobs;
