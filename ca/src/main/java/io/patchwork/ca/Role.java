package io.patchwork.ca;

import java.util.Locale;
import java.util.Optional;

/**
 * A member identity's role, carried as a Fabric NodeOU in the certificate subject's organisational
 * unit.
 */
public enum Role {
  CLIENT("client"),
  PEER("peer"),
  ORDERER("orderer"),
  ADMIN("admin");

  private final String organizationalUnit;

  Role(String organizationalUnit) {
    this.organizationalUnit = organizationalUnit;
  }

  /** The OU value Fabric's NodeOU classification expects, such as {@code peer}. */
  public String organizationalUnit() {
    return organizationalUnit;
  }

  /** Whether certificates of this role identify a ledger node and count against a node quota. */
  public boolean isNode() {
    return this == PEER || this == ORDERER;
  }

  /** The role named by an OU value, ignoring case. */
  public static Optional<Role> fromOrganizationalUnit(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    for (Role role : values()) {
      if (role.organizationalUnit.equals(lower)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
