-- What another manager instance needs to run a ledger's peers and authority when the instance that
-- runs them is lost (cluster mode, no shared file system): its authority's key store, its peers'
-- credentials and the admin identities members keep with the manager — sealed with the instances'
-- shared passphrase (AES-256-GCM, PBKDF2), never in clear. One row a ledger, replaced whenever its
-- credentials change; deleted with the ledger's files.
CREATE TABLE ledger_custody (
  ledger_id  VARCHAR(64)              NOT NULL PRIMARY KEY,
  sealed     BYTEA                    NOT NULL,
  sealed_by  VARCHAR(64)              NOT NULL,
  sealed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
