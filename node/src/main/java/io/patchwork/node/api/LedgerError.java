package io.patchwork.node.api;

/**
 * Why a ledger refused or could not do what was asked. The names are stable: callers map them to
 * their own error vocabularies and may show them to users.
 */
public enum LedgerError {
  /** The plan or a request names something malformed (an MSP id, a node count, a topology). */
  INVALID_PLAN("the ledger's plan is not usable"),

  /** Bytes given as a Fabric channel's config block that are not one. */
  NOT_A_FABRIC_CONFIG_BLOCK("the bytes are not a Fabric channel config block"),

  /** Blocks given as a Fabric channel's chain that are not one (gaps, broken links, ...). */
  INVALID_FABRIC_BLOCKS("the blocks are not the Fabric channel's chain from its genesis block"),

  /** A chaincode name or chaincode-as-a-service package that cannot be used. */
  INVALID_CHAINCODE_PACKAGE("the chaincode's name or package is not usable"),

  /** A Fabric channel config with something Patchwork cannot express. */
  UNSUPPORTED_FABRIC_CONFIG("the Fabric channel uses something a Patchwork ledger cannot express"),
  /** No node of the ledger runs here to do it (no peer of that member, no peer at all). */
  NO_HOSTED_NODE("no node of the ledger runs here to do this"),
  /** The organisation is not a member of the ledger in the config in force. */
  NOT_A_MEMBER("the organisation is not a member of the ledger"),
  /** The ledger's nodes would refuse it: the message carries their reason. */
  REFUSED("the ledger's nodes refuse it"),
  /** Approved, but the decision's effect cannot be applied to the config in force. */
  INAPPLICABLE("the approved decision cannot be applied to the config in force"),
  /** Ordered and committed, but the ledger's peers marked it invalid (the message has the code). */
  INVALID("the ledger committed the transaction as invalid"),
  /** No orderer took the transaction, or no peer committed it in time. */
  UNAVAILABLE("the ledger did not order or commit it in time"),
  /** Blocks kept landing while a statement was computed: try again shortly. */
  BUSY("blocks kept landing meanwhile"),
  /** Too few members have a peer here to sign the settlement statement. */
  TOO_FEW_SIGNERS("too few members have a peer here to sign"),
  /** The ledger is not at the stage this needs (closing, closed). */
  WRONG_STAGE("the ledger is not at the stage this needs"),
  /** A node could not start, or a file of the ledger could not be read or written. */
  NODE_FAILED("a node of the ledger failed");

  private final String meaning;

  LedgerError(String meaning) {
    this.meaning = meaning;
  }

  /** What the code means, in a sentence fragment for logs and docs. */
  public String meaning() {
    return meaning;
  }
}
