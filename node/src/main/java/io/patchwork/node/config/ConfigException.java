package io.patchwork.node.config;

/** A ledger config that cannot be used, with a stable code and a message naming the problem. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Stable codes. */
  public enum Code {
    MALFORMED,
    UNKNOWN_FORMAT_VERSION,
    INVALID_LEDGER_ID,
    NO_MEMBERS,
    DUPLICATE_MEMBER,
    INVALID_MEMBER,
    INVALID_ORDERERS,
    INVALID_POLICY,
    INVALID_BLOCK_CUTTING,
    INVALID_CONTRACT,
    NOT_A_CONFIG_BLOCK,
    /** A successor ledger's opening that its members or amounts contradict. */
    INVALID_OPENING,
    /** A node id the config does not list, or listed under another organisation. */
    UNKNOWN_NODE,
    /** A node's TLS certificate does not name the address the config says it is reached at. */
    ADDRESS_NOT_CERTIFIED,
    /** A Fabric channel config with something Patchwork cannot express (an idemix MSP, ...). */
    UNSUPPORTED_FABRIC_CONFIG,
    /**
     * Blocks given as a Fabric channel's chain that are not one: a gap, a broken hash link, another
     * channel's transaction, no validation codes, or without the config block a ledger is made
     * from.
     */
    INVALID_FABRIC_BLOCKS,
    /**
     * A Fabric config update that does not apply to the config in force: a stale read set, a
     * version that skips one, or no change at all.
     */
    INVALID_CONFIG_UPDATE
  }

  private final Code code;

  public ConfigException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public ConfigException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
