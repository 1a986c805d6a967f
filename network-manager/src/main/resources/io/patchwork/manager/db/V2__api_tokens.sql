-- Bearer tokens for the API. Only each token's SHA-256 is kept; the token is shown once.
CREATE TABLE api_token (
  token_hash   CHAR(64)     NOT NULL PRIMARY KEY,
  id           VARCHAR(40)  NOT NULL,
  role         VARCHAR(16)  NOT NULL,
  ledger_id    VARCHAR(64),
  msp_id       VARCHAR(64),
  certificate  VARCHAR(64),
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at   TIMESTAMP WITH TIME ZONE,
  CONSTRAINT api_token_id_unique UNIQUE (id)
);
CREATE INDEX api_token_member ON api_token (ledger_id, msp_id);
