package io.patchwork.manager.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.ArchiveCheck;
import io.patchwork.node.api.Archives;
import io.patchwork.node.api.Closing;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles a ledger the members voted to close: computes the settlement statement from the committed
 * state (every peer will compute it again), has the hosted peers of as many members as the voting
 * threshold needs sign it, and commits it as the ledger's last block (CLOSED); then writes its
 * archive, verifies it offline, stops its nodes and frees their disk (ARCHIVED). The archive and
 * the signed statement stay under the data directory's {@value #ARCHIVES}.
 *
 * <p>Blocking: call it off the event loop.
 */
public final class Settlement {
  private static final Logger log = LoggerFactory.getLogger(Settlement.class);
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(60);

  /** Under the data directory: archives and statements of ledgers whose nodes are gone. */
  public static final String ARCHIVES = "archives";

  private final LedgerService ledgers;
  private final Path dataDirectory;
  private final Clock clock;

  public Settlement(LedgerService ledgers, Path dataDirectory, Clock clock) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What settling did: the statement, and the archive the ledger now lives on in. */
  public record Outcome(SettlementStatement statement, Path archive, long archiveBytes) {}

  /**
   * Settles and closes the ledger, then archives it: the archive is written and verified before the
   * ledger's nodes stop and their data is deleted. A CLOSED ledger whose archiving did not finish
   * is archived again.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_CLOSING (the members have not voted to close it),
   *     TOO_FEW_HOSTED_PEERS (not enough members' peers run here to sign), STATEMENT_REFUSED,
   *     ARCHIVE_FAILED
   */
  public Outcome settle(String id) throws Refusal, SQLException, IOException, InterruptedException {
    LedgerRecord record = ledgers.record(id);
    Optional<HostedLedger> running = ledgers.running(id);
    boolean closing = record.status() == LedgerStatus.CLOSING;
    boolean closed = record.status() == LedgerStatus.CLOSED;
    if (!(closing || closed) || running.isEmpty()) {
      throw new Refusal(
          ApiError.LEDGER_NOT_CLOSING,
          "ledger "
              + id
              + " is "
              + record.status()
              + "; it is settled once its members voted to close it (a CloseLedger proposal)");
    }
    HostedLedger ledger = running.get();
    synchronized (ledger) {
      long started = System.nanoTime();
      if (closing) {
        close(id, ledger);
      }
      long closedAt = System.nanoTime();
      SettlementStatement statement =
          SettlementStatement.parseFrom(statement(id).orElseThrow().getStatement());
      Path archive = archive(id, ledger);
      long bytes = Files.size(archive);
      long archivedAt = System.nanoTime();
      ledgers.retire(id);
      ledgers.registry().setStatus(id, LedgerStatus.ARCHIVED, Optional.empty());
      log.info(
          "ledger.archived ledger={} archive={} bytes={} close_millis={} archive_millis={}"
              + " retire_millis={}",
          id,
          archive,
          bytes,
          (closedAt - started) / 1_000_000,
          (archivedAt - closedAt) / 1_000_000,
          (System.nanoTime() - archivedAt) / 1_000_000);
      return new Outcome(statement, archive, bytes);
    }
  }

  /** Computes, signs and commits the statement: the ledger is CLOSED when this returns. */
  private void close(String id, HostedLedger ledger) throws Refusal, SQLException, IOException {
    Closing closing;
    try {
      closing = ledger.commitStatement(finalState(id), COMMIT_TIMEOUT);
    } catch (LedgerException e) {
      throw switch (e.error()) {
        case BUSY -> new Refusal(ApiError.LEDGER_BUSY, e.getMessage());
        case TOO_FEW_SIGNERS -> new Refusal(ApiError.TOO_FEW_HOSTED_PEERS, e.getMessage());
        case REFUSED -> new Refusal(ApiError.STATEMENT_REFUSED, e.getMessage());
        case UNAVAILABLE -> new Refusal(ApiError.LEDGER_UNAVAILABLE, e.getMessage());
        default -> new Refusal(ApiError.LEDGER_FAILED, e.getMessage());
      };
    }
    keep(id, closing.signed());
    ledgers.registry().setStatus(id, LedgerStatus.CLOSED, Optional.empty());
    log.info(
        "ledger.closed ledger={} block={} assets={} signers={}",
        id,
        closing.blockNumber(),
        closing.statement().getAssetsCount(),
        closing.signers());
  }

  /**
   * Writes the archive from a peer holding every block from genesis and verifies it offline; only a
   * verified archive lets the ledger's nodes go.
   */
  private Path archive(String id, HostedLedger ledger) throws Refusal {
    Path archive = archiveFile(id);
    long started = System.nanoTime();
    ArchiveCheck report;
    try {
      report = ledger.archive(archive, finalState(id));
    } catch (LedgerException e) {
      throw new Refusal(ApiError.ARCHIVE_FAILED, e.getMessage());
    }
    if (!report.verified()) {
      throw new Refusal(
          ApiError.ARCHIVE_FAILED,
          "the archive written for ledger " + id + " does not verify: " + report.problem().get());
    }
    log.info(
        "ledger.archive_verified ledger={} blocks={} millis={}",
        id,
        report.blocks(),
        (System.nanoTime() - started) / 1_000_000);
    return archive;
  }

  /**
   * Accepts a successor of an archived ledger: same template and overrides, the members it closed
   * with, and an opening that carries its statement over — its settlement transfers as obligations
   * accepted from block 0, its members' token holdings as balances — naming that statement by
   * SHA-256. The archive is verified first; {@link LedgerService#provision} then builds the
   * successor.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ARCHIVED, ARCHIVE_INVALID if its archive does not
   *     verify, or for the successor's name (INVALID_NAME, DUPLICATE_NAME) or parties
   */
  public Successor successor(String id, String name) throws Refusal, SQLException, IOException {
    LedgerRecord predecessor = ledgers.record(id);
    if (predecessor.status() != LedgerStatus.ARCHIVED) {
      throw new Refusal(
          ApiError.LEDGER_NOT_ARCHIVED,
          "ledger "
              + id
              + " is "
              + predecessor.status()
              + "; a successor carries on an archived one");
    }
    ArchiveCheck report = Archives.verify(archiveFile(id));
    if (!report.verified()) {
      log.error(
          "ledger.archive_invalid ledger={} problem=\"{}\"", id, report.problem().orElseThrow());
      throw new Refusal(
          ApiError.ARCHIVE_INVALID,
          "the archive of ledger " + id + " does not verify: " + report.problem().orElseThrow());
    }
    Opening opening = Archives.carryOver(report.statement().orElseThrow());
    List<LedgerRecord.Party> members =
        report.closedConfig().orElseThrow().getMembersList().stream()
            .map(member -> new LedgerRecord.Party(member.getOrganization(), member.getMspId()))
            .toList();
    // A position of an organisation voted out before the close has no member to carry it: refused
    // now rather than a successor that fails at genesis.
    Set<String> memberIds = new HashSet<>();
    members.forEach(member -> memberIds.add(member.mspId()));
    Optional<String> problem = Archives.openingProblem(opening, memberIds);
    if (problem.isPresent()) {
      throw new Refusal(
          ApiError.SUCCESSOR_CANNOT_CARRY,
          "ledger "
              + id
              + " cannot be carried over to a successor of its members: "
              + problem.get()
              + ". A member voted out before the close still held a position; settle it outside"
              + " the ledger, or start a new ledger");
    }
    LedgerRecord accepted =
        ledgers.accept(
            new LedgerService.Request(
                name,
                predecessor.template(),
                members,
                predecessor.overrides(),
                Optional.of(opening),
                Optional.empty(),
                List.of(),
                List.of()));
    log.info(
        "ledger.successor_accepted ledger={} predecessor={} statement_sha256={} obligations={}"
            + " balances={}",
        accepted.id(),
        id,
        HexFormat.of().formatHex(opening.getPredecessorStatementSha256().toByteArray()),
        opening.getObligationsCount(),
        opening.getTokenBalancesCount());
    return new Successor(accepted, opening);
  }

  /** A successor as accepted, and the opening its genesis will carry. */
  public record Successor(LedgerRecord record, Opening opening) {}

  /** An offline check of the archive as this manager serves it, and that file's SHA-256. */
  public record ArchiveVerification(ArchiveCheck check, String sha256, long bytes) {}

  /**
   * Checks the archive file {@code GET /ledgers/{id}/archive} serves, offline, as {@code patchwork
   * node verify-archive} does: every hash, signature, decision and the settlement arithmetic.
   *
   * @throws Refusal NO_ARCHIVE when the ledger has none
   */
  public ArchiveVerification verifyArchive(String id) throws Refusal, IOException {
    Path file = archiveFile(id);
    if (!Files.isRegularFile(file)) {
      throw new Refusal(ApiError.NO_ARCHIVE, "ledger " + id + " has no archive");
    }
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    ArchiveCheck check = Archives.verify(file);
    log.info(
        "ledger.archive_checked ledger={} verified={} blocks={}",
        id,
        check.verified(),
        check.blocks());
    return new ArchiveVerification(
        check, HexFormat.of().formatHex(sha256.digest()), Files.size(file));
  }

  /** Where a ledger's archive is kept once its nodes are gone. */
  public Path archiveFile(String id) {
    return dataDirectory.resolve(ARCHIVES).resolve(id + ".archive");
  }

  private Path finalState(String id) {
    return dataDirectory.resolve("ledgers").resolve(id).resolve("final.snapshot");
  }

  /** The signed statement a closed ledger ended with. */
  public Optional<SignedSettlementStatement> statement(String id) throws IOException {
    Path file = file(id);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(SignedSettlementStatement.parseFrom(Files.readAllBytes(file)));
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(file + " holds no settlement statement", e);
    }
  }

  private void keep(String id, SignedSettlementStatement signed) throws IOException {
    Path file = file(id);
    Files.createDirectories(file.getParent());
    Path fresh = file.resolveSibling(file.getFileName() + ".new");
    Files.write(fresh, signed.toByteArray());
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Path file(String id) {
    return dataDirectory.resolve(ARCHIVES).resolve(id + ".statement.pb");
  }
}
