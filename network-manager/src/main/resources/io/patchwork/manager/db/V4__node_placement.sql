-- The orderers of a ledger that run on another manager instance than its owner (cluster mode): which
-- instance runs each one now, and where it is reached. The owner's own nodes are not listed.
CREATE TABLE node_placement (
  ledger_id   VARCHAR(64)  NOT NULL,
  node_id     VARCHAR(64)  NOT NULL,
  instance    VARCHAR(64)  NOT NULL,
  endpoint    VARCHAR(300) NOT NULL,
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (ledger_id, node_id)
);
