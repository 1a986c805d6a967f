package io.patchwork.governance;

import java.security.PublicKey;
import java.util.Objects;

/** An admin identity of a member organisation, as the ledger's identity check accepted it. */
public record Voter(String mspId, PublicKey publicKey) {
  public Voter {
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(publicKey, "publicKey");
  }
}
