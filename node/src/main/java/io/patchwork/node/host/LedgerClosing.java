package io.patchwork.node.host;

import com.google.protobuf.ByteString;
import io.patchwork.node.api.ArchiveCheck;
import io.patchwork.node.api.Archives;
import io.patchwork.node.api.Closing;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closing an embedded ledger: the settlement statement computed from the committed state, signed by
 * hosted peers of enough members and committed as the last block; then the archive, written from a
 * peer holding the whole history and verified offline. Blocking; one at a time per ledger.
 */
final class LedgerClosing {
  private static final Logger log = LoggerFactory.getLogger(LedgerClosing.class);

  /** Statements computed again when a block landed between the snapshot and the statement. */
  private static final int BUSY_ATTEMPTS = 10;

  /** Statements computed again when the peers refused one (another record went first). */
  private static final int REFUSED_ATTEMPTS = 3;

  private static final Duration LEVEL_WAIT = Duration.ofSeconds(10);

  private final LocalLedger ledger;
  private final Clock clock;

  LedgerClosing(LocalLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  Closing commitStatement(Path finalState, Duration timeout)
      throws LedgerException, InterruptedException {
    if (ledger.furthestPeer().ledger().rules().status() != LedgerStatus.CLOSING) {
      throw new LedgerException(
          LedgerError.WRONG_STAGE,
          "ledger "
              + ledger.ledgerId()
              + " is "
              + ledger.furthestPeer().ledger().rules().status()
              + ", not CLOSING");
    }
    int refused = 0;
    for (int attempt = 1; ; attempt++) {
      awaitPeersLevel();
      PeerLedger furthest = ledger.furthestPeer().ledger();
      SnapshotInfo kept;
      try {
        // The state the statement describes, kept for the archive (the statement's own block then
        // writes the closed config).
        kept = furthest.exportSnapshot(finalState);
      } catch (IOException e) {
        throw new LedgerException(
            LedgerError.NODE_FAILED, "the final state could not be written: " + e.getMessage(), e);
      }
      LedgerRules rules = furthest.rules();
      SettlementStatement statement = statement(furthest);
      if (kept.height() != statement.getFinalHeight() - 1
          || !kept.stateHash().equals(statement.getStateHash())) {
        if (attempt >= BUSY_ATTEMPTS) {
          throw new LedgerException(
              LedgerError.BUSY,
              "blocks kept landing while the statement was computed; settle again shortly");
        }
        continue;
      }
      List<PeerNode> signers = signers(rules);
      List<NodeSigner> keys = new ArrayList<>();
      signers.forEach(peer -> keys.add(ledger.signer(peer.nodeId())));
      SignedSettlementStatement signed = SettlementStatements.sign(statement, keys);
      ConfigUpdate update =
          ConfigUpdate.newBuilder()
              .setConfig(
                  rules.config().toBuilder()
                      .setSequence(rules.sequence() + 1)
                      .setStatus(LedgerStatus.CLOSED))
              .setStatement(signed)
              .build();
      TxRecord committed = submit(signers.get(0), update, keys.get(0), timeout);
      if (committed.validationCode() == TxValidationCode.VALID_VALUE) {
        return new Closing(signed, statement, committed.blockNumber(), signers.size());
      }
      // Another config transaction (a record) may have landed first: the history then ends
      // later than the statement said. Compute it again.
      log.warn(
          "ledger.statement_refused ledger={} attempt={} code={}",
          ledger.ledgerId(),
          attempt,
          TxValidationCode.forNumber(committed.validationCode()));
      if (++refused == REFUSED_ATTEMPTS) {
        throw new LedgerException(
            LedgerError.REFUSED,
            "the peers refused the settlement statement "
                + REFUSED_ATTEMPTS
                + " times; see the nodes' log (peer.statement_refused)");
      }
    }
  }

  private static SettlementStatement statement(PeerLedger peer) {
    return SettlementStatements.compute(
        peer.rules().ledgerId(),
        peer.height(),
        ByteString.copyFrom(BlockHashes.headerHash(peer.blocks().last().orElseThrow().getHeader())),
        peer.state().stateHash(),
        ClosingBook.read(peer.state()));
  }

  private TxRecord submit(PeerNode peer, ConfigUpdate update, NodeSigner key, Duration timeout)
      throws LedgerException, InterruptedException {
    try {
      return ledger.submit(
          peer.nodeId(), ConfigTransactions.envelope(update, key, clock.instant()), timeout);
    } catch (IOException | TimeoutException e) {
      throw new LedgerException(
          LedgerError.UNAVAILABLE, "the statement was not committed: " + e.getMessage(), e);
    }
  }

  ArchiveCheck archive(Path archive, Path finalState) throws LedgerException, InterruptedException {
    awaitPeersLevel();
    PeerNode source =
        ledger.peers().stream()
            .filter(peer -> peer.ledger().blocks().first() == 0)
            .max(Comparator.comparingLong(peer -> peer.ledger().height()))
            .orElseThrow(
                () ->
                    new LedgerException(
                        LedgerError.NODE_FAILED, "no peer here holds the history from genesis"));
    if (source.ledger().rules().status() != LedgerStatus.CLOSED) {
      throw new LedgerException(
          LedgerError.WRONG_STAGE,
          "ledger " + ledger.ledgerId() + " is " + source.ledger().rules().status());
    }
    try {
      Files.createDirectories(archive.toAbsolutePath().getParent());
      long started = System.nanoTime();
      LedgerArchive.write(archive, source.ledger(), finalState, ledger.verifier());
      long written = System.nanoTime();
      ArchiveCheck report = Archives.verify(archive, ledger.verifier());
      log.info(
          "ledger.archive_written ledger={} blocks={} verified={} write_millis={}"
              + " verify_millis={}",
          ledger.ledgerId(),
          report.blocks(),
          report.verified(),
          (written - started) / 1_000_000,
          (System.nanoTime() - written) / 1_000_000);
      return report;
    } catch (IOException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the archive could not be written: " + e.getMessage(), e);
    }
  }

  /** One hosted peer for each of as many members as the voting threshold needs, in config order. */
  private List<PeerNode> signers(LedgerRules rules) throws LedgerException {
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
    throw new LedgerException(
        LedgerError.TOO_FEW_SIGNERS,
        "peers of "
            + required
            + " members must sign the statement; only "
            + signers.size()
            + " members have a peer running here");
  }

  /**
   * Waits (up to 10 s) until every running peer of a current member holds as many blocks as the
   * furthest one. A removed member's peer is passed over: orderers no longer deliver to it, so it
   * can never catch up.
   */
  private void awaitPeersLevel() throws InterruptedException {
    long deadline = System.nanoTime() + LEVEL_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      PeerLedger furthest = ledger.furthestPeer().ledger();
      long top = furthest.height();
      LedgerRules rules = furthest.rules();
      if (ledger.peers().stream()
          .filter(p -> rules.isMember(p.mspId()))
          .allMatch(p -> p.ledger().height() == top)) {
        return;
      }
      Thread.sleep(10);
    }
  }
}
