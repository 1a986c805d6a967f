-- The network manager's registry of ledgers: which exist, from which template, for whom, in what state.
CREATE TABLE ledger (
  id           VARCHAR(64)  NOT NULL PRIMARY KEY,
  name         VARCHAR(64)  NOT NULL,
  template     VARCHAR(64)  NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  failure      VARCHAR(2000),
  parties      VARCHAR(20000) NOT NULL,
  overrides    VARCHAR(4000) NOT NULL,
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT ledger_name_unique UNIQUE (name)
);
