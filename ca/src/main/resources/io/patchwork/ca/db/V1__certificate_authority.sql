-- State of the ledgers' certificate authorities. Portable between H2 and PostgreSQL:
-- instants are epoch milliseconds (BIGINT), serial numbers lower-case hex, DER as BYTEA.
-- Private keys are never stored here; they live in encrypted PKCS#12 files.

CREATE TABLE ca_authority (
    ledger_id         VARCHAR(63)    NOT NULL PRIMARY KEY,
    certificate_der   BYTEA          NOT NULL,
    issuer_chain_der  BYTEA,
    key_file          VARCHAR(4096)  NOT NULL,
    leaf_lifetime_s   BIGINT         NOT NULL,
    crl_validity_s    BIGINT         NOT NULL,
    crl_number        BIGINT         NOT NULL,
    crl_der           BYTEA          NOT NULL,
    created_at        BIGINT         NOT NULL
);

CREATE TABLE ca_certificate (
    ledger_id          VARCHAR(63)  NOT NULL REFERENCES ca_authority (ledger_id),
    serial             VARCHAR(40)  NOT NULL,
    common_name        VARCHAR(64)  NOT NULL,
    role               VARCHAR(16)  NOT NULL,
    profile            VARCHAR(16)  NOT NULL,
    organisation       VARCHAR(64)  NOT NULL,
    msp_id             VARCHAR(64)  NOT NULL,
    not_before         BIGINT       NOT NULL,
    not_after          BIGINT       NOT NULL,
    certificate_der    BYTEA        NOT NULL,
    invite_id          VARCHAR(36),
    renewal_of         VARCHAR(40),
    renewed_by         VARCHAR(40),
    revoked_at         BIGINT,
    revocation_reason  VARCHAR(32),
    PRIMARY KEY (ledger_id, serial)
);

CREATE INDEX ca_certificate_by_expiry ON ca_certificate (ledger_id, not_after);
CREATE INDEX ca_certificate_by_revocation ON ca_certificate (ledger_id, revoked_at);

CREATE TABLE ca_invite (
    invite_id     VARCHAR(36)  NOT NULL PRIMARY KEY,
    ledger_id     VARCHAR(63)  NOT NULL REFERENCES ca_authority (ledger_id),
    token_hash    CHAR(64)     NOT NULL UNIQUE,
    organisation  VARCHAR(64)  NOT NULL,
    msp_id        VARCHAR(64)  NOT NULL,
    roles         VARCHAR(64)  NOT NULL,
    max_nodes     INTEGER      NOT NULL,
    validity_s    BIGINT       NOT NULL,
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    redeemed_at   BIGINT,
    cancelled_at  BIGINT
);

CREATE INDEX ca_invite_by_ledger ON ca_invite (ledger_id, created_at);
