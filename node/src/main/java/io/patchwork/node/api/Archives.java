package io.patchwork.node.api;

import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.opening.InvalidOpeningException;
import io.patchwork.node.opening.OpeningBook;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** Closed ledgers' archives, checked offline, and the openings that carry them on. */
public final class Archives {
  private static final int SIGNATURE_CACHE = 10_000;

  private Archives() {}

  /**
   * Checks an archive offline: every hash, block signature, decision, the final state and the
   * netting.
   *
   * @throws IOException if the file cannot be read
   */
  public static ArchiveCheck verify(Path archive) throws IOException {
    return verify(archive, new SignatureVerifier(SIGNATURE_CACHE));
  }

  /** As {@link #verify(Path)}, with a signature cache the caller shares (its nodes' own). */
  public static ArchiveCheck verify(Path archive, SignatureVerifier verifier) throws IOException {
    LedgerArchive.Report report = LedgerArchive.verify(archive, verifier);
    return new ArchiveCheck(
        report.ledgerId(),
        report.blocks(),
        report.problem(),
        report.statement(),
        report.closedConfig());
  }

  /**
   * The opening of a successor that carries a closed ledger's statement over: its settlement
   * transfers as obligations accepted from block 0, its members' token holdings as balances.
   *
   * @throws IllegalArgumentException if the statement cannot be decoded
   */
  public static Opening carryOver(SignedSettlementStatement statement) {
    return OpeningBook.carryOver(statement);
  }

  /**
   * Why a successor of these members could not open with {@code opening} (its genesis would be
   * refused), or empty: a transfer or balance of an organisation that is not among them, ...
   */
  public static Optional<String> openingProblem(Opening opening, Set<String> members) {
    try {
      OpeningBook.check(opening, members);
      return Optional.empty();
    } catch (InvalidOpeningException e) {
      return Optional.of(e.getMessage());
    }
  }
}
