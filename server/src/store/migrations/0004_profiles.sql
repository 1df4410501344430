-- readycheck-server's store, version 4: signed profiles IT uploads for clients to fetch. The
-- profile's text and its minisign signature are kept exactly as uploaded (the server never holds
-- the private key); name, version, key and expiry are the signature's, read at upload.

CREATE TABLE profiles (
    role         TEXT NOT NULL,          -- what clients ask for (/api/v1/profiles/{role})
    site         TEXT NOT NULL,          -- '' for every site; else only tokens of that site
    version      TEXT NOT NULL,
    name         TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    expires      TEXT NOT NULL,          -- YYYY-MM-DD
    body         TEXT NOT NULL,
    signature    TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    PRIMARY KEY (role, site, version)
);
