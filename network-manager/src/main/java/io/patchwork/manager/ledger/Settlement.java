package io.patchwork.manager.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.opening.OpeningBook;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
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
  private static final int ATTEMPTS = 3;

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
    Optional<LocalLedger> running = ledgers.running(id);
    boolean closing = record.status() == LedgerStatus.CLOSING;
    boolean closed = record.status() == LedgerStatus.CLOSED;
    if (!(closing || closed) || running.isEmpty()) {
      throw new Refusal(
          "LEDGER_NOT_CLOSING",
          409,
          "ledger "
              + id
              + " is "
              + record.status()
              + "; it is settled once its members voted to close it (a CloseLedger proposal)");
    }
    LocalLedger ledger = running.get();
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
  private void close(String id, LocalLedger ledger)
      throws Refusal, SQLException, IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      awaitPeersLevel(ledger);
      PeerNode furthest = ledger.furthestPeer();
      // The state the statement describes, kept for the archive (the statement's own block then
      // writes the closed config).
      SnapshotInfo kept = furthest.ledger().exportSnapshot(finalState(id));
      LedgerRules rules = furthest.ledger().rules();
      SettlementStatement statement =
          SettlementStatements.compute(
              id,
              furthest.ledger().height(),
              ByteString.copyFrom(
                  BlockHashes.headerHash(
                      furthest.ledger().blocks().last().orElseThrow().getHeader())),
              furthest.ledger().state().stateHash(),
              ClosingBook.read(furthest.ledger().state()));
      if (kept.height() != statement.getFinalHeight() - 1
          || !kept.stateHash().equals(statement.getStateHash())) {
        // A block landed between the snapshot and the statement: once more, a few times.
        if (attempt == 10) {
          throw new Refusal(
              "LEDGER_BUSY",
              503,
              "blocks kept landing while the statement was computed; settle again shortly");
        }
        continue;
      }
      List<PeerNode> signers = signers(ledger, rules);
      List<NodeSigner> keys = new ArrayList<>();
      signers.forEach(peer -> keys.add(ledger.signer(peer.nodeId())));
      SignedSettlementStatement signed = SettlementStatements.sign(statement, keys);
      ConfigUpdate update =
          ConfigUpdate.newBuilder()
              .setConfig(
                  rules.config().toBuilder()
                      .setSequence(rules.sequence() + 1)
                      .setStatus(io.patchwork.node.config.proto.LedgerStatus.CLOSED))
              .setStatement(signed)
              .build();
      TxRecord committed;
      try {
        committed =
            ledger.submit(
                signers.get(0).nodeId(),
                ConfigTransactions.envelope(update, keys.get(0), clock.instant()),
                COMMIT_TIMEOUT);
      } catch (TimeoutException e) {
        throw new Refusal(
            "LEDGER_UNAVAILABLE",
            503,
            "the statement was not committed in time: " + e.getMessage());
      }
      if (committed.validationCode() == TxValidationCode.VALID_VALUE) {
        keep(id, signed);
        ledgers.registry().setStatus(id, LedgerStatus.CLOSED, Optional.empty());
        log.info(
            "ledger.closed ledger={} block={} assets={} signers={}",
            id,
            committed.blockNumber(),
            statement.getAssetsCount(),
            signers.size());
        return;
      }
      // Another config transaction (a record) may have landed first: the history then ends
      // later than the statement said. Compute it again.
      log.warn(
          "ledger.statement_refused ledger={} attempt={} code={}",
          id,
          attempt,
          TxValidationCode.forNumber(committed.validationCode()));
      if (attempt == ATTEMPTS) {
        throw new Refusal(
            "STATEMENT_REFUSED",
            422,
            "the peers refused the settlement statement "
                + ATTEMPTS
                + " times; see the nodes' log (peer.statement_refused)");
      }
    }
  }

  /**
   * Writes the archive from a peer holding every block from genesis and verifies it offline; only a
   * verified archive lets the ledger's nodes go.
   */
  private Path archive(String id, LocalLedger ledger)
      throws Refusal, IOException, InterruptedException {
    awaitPeersLevel(ledger);
    PeerNode source =
        ledger.peers().stream()
            .filter(peer -> peer.ledger().blocks().first() == 0)
            .max(java.util.Comparator.comparingLong(peer -> peer.ledger().height()))
            .orElseThrow(
                () ->
                    new Refusal(
                        "ARCHIVE_FAILED", 500, "no peer here holds the history from genesis"));
    Path archive = archiveFile(id);
    Files.createDirectories(archive.getParent());
    long started = System.nanoTime();
    LedgerArchive.write(archive, source.ledger(), finalState(id), ledger.verifier());
    long written = System.nanoTime();
    LedgerArchive.Report report = LedgerArchive.verify(archive, ledger.verifier());
    if (!report.verified()) {
      throw new Refusal(
          "ARCHIVE_FAILED",
          500,
          "the archive written for ledger " + id + " does not verify: " + report.problem().get());
    }
    log.info(
        "ledger.archive_verified ledger={} blocks={} write_millis={} verify_millis={}",
        id,
        report.blocks(),
        (written - started) / 1_000_000,
        (System.nanoTime() - written) / 1_000_000);
    return archive;
  }

  /**
   * Accepts a successor of an archived ledger: same template and overrides, the members it closed
   * with, and an opening that carries its statement over — its settlement transfers as obligations
   * accepted from block 0, its members' token holdings as balances — naming that statement by
   * SHA-256. The archive is verified first; {@link LedgerService#provision} then builds the
   * successor.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ARCHIVED, or ARCHIVE_INVALID if its archive does
   *     not verify
   * @throws LedgerService.RequestException for the name (INVALID_NAME, DUPLICATE_NAME) or parties
   */
  public Successor successor(String id, String name)
      throws Refusal, LedgerService.RequestException, SQLException, IOException {
    LedgerRecord predecessor = ledgers.record(id);
    if (predecessor.status() != LedgerStatus.ARCHIVED) {
      throw new Refusal(
          "LEDGER_NOT_ARCHIVED",
          409,
          "ledger "
              + id
              + " is "
              + predecessor.status()
              + "; a successor carries on an archived one");
    }
    LedgerArchive.Report report =
        LedgerArchive.verify(archiveFile(id), new SignatureVerifier(10_000));
    if (!report.verified()) {
      log.error(
          "ledger.archive_invalid ledger={} problem=\"{}\"", id, report.problem().orElseThrow());
      throw new Refusal(
          "ARCHIVE_INVALID",
          409,
          "the archive of ledger " + id + " does not verify: " + report.problem().orElseThrow());
    }
    Opening opening = OpeningBook.carryOver(report.statement().orElseThrow());
    List<LedgerRecord.Party> members =
        report.closedConfig().orElseThrow().getMembersList().stream()
            .map(member -> new LedgerRecord.Party(member.getOrganization(), member.getMspId()))
            .toList();
    LedgerRecord accepted =
        ledgers.accept(
            new LedgerService.Request(
                name,
                predecessor.template(),
                members,
                predecessor.overrides(),
                Optional.of(opening)));
    log.info(
        "ledger.successor_accepted ledger={} predecessor={} statement_sha256={} obligations={}"
            + " balances={}",
        accepted.id(),
        id,
        java.util.HexFormat.of().formatHex(opening.getPredecessorStatementSha256().toByteArray()),
        opening.getObligationsCount(),
        opening.getTokenBalancesCount());
    return new Successor(accepted, opening);
  }

  /** A successor as accepted, and the opening its genesis will carry. */
  public record Successor(LedgerRecord record, Opening opening) {}

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

  /** One hosted peer for each of as many members as the voting threshold needs, in config order. */
  private static List<PeerNode> signers(LocalLedger ledger, LedgerRules rules) throws Refusal {
    int required = SettlementStatements.requiredMembers(rules);
    Set<String> members = new LinkedHashSet<>();
    List<PeerNode> signers = new ArrayList<>();
    for (PeerNode peer : ledger.peers()) {
      if (rules.isMember(peer.mspId()) && members.add(peer.mspId())) {
        signers.add(peer);
        if (signers.size() == required) {
          return signers;
        }
      }
    }
    throw new Refusal(
        "TOO_FEW_HOSTED_PEERS",
        409,
        "peers of "
            + required
            + " members must sign the statement; only "
            + signers.size()
            + " members have a peer running here");
  }

  /** Waits (up to 10 s) until every running peer holds as many blocks as the furthest one. */
  private static void awaitPeersLevel(LocalLedger ledger) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      long top = ledger.furthestPeer().ledger().height();
      if (ledger.peers().stream().allMatch(p -> p.ledger().height() == top)) {
        return;
      }
      Thread.sleep(10);
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
