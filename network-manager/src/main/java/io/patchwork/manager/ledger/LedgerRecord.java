package io.patchwork.manager.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A ledger as the registry knows it. */
public record LedgerRecord(
    String id,
    String name,
    String template,
    LedgerStatus status,
    Optional<String> failure,
    List<Party> parties,
    Map<String, String> overrides,
    Instant createdAt,
    Instant updatedAt) {

  /** A member organisation of the ledger. */
  public record Party(String organization, String mspId) {
    public Party {
      Objects.requireNonNull(organization, "organization");
      Objects.requireNonNull(mspId, "mspId");
    }
  }

  public LedgerRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(failure, "failure");
    parties = List.copyOf(parties);
    overrides = Map.copyOf(overrides);
  }
}
