-- Which manager instance runs a ledger's hosted nodes, and where each instance serves its API:
-- in cluster mode a request about a ledger goes to the instance that runs it, and when an
-- instance dies another one claims its ledgers.
ALTER TABLE ledger ADD COLUMN owner VARCHAR(64);
CREATE TABLE manager_instance (
  id          VARCHAR(64)  NOT NULL PRIMARY KEY,
  url         VARCHAR(256) NOT NULL,
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
