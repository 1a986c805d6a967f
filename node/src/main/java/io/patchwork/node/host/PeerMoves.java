package io.patchwork.node.host;

import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in a ledger's config where the genesis peers a host took over run now, so that other
 * organisations' peers ask them for endorsements there: a config update that changes only those
 * peers' addresses, signed by each moved peer itself ({@link
 * io.patchwork.node.update.ConfigUpdateCheck}). It runs in the background, since the peers first
 * catch up from the orderers: an update from a peer behind the config in force is refused, and is
 * made again after a pause, until the config names the new addresses or the ledger stops.
 */
final class PeerMoves {
  private static final Logger log = LoggerFactory.getLogger(PeerMoves.class);
  private static final Duration PAUSE = Duration.ofSeconds(2);
  private static final Duration COMMIT_WAIT = Duration.ofSeconds(30);

  private final LocalLedger ledger;
  private final Clock clock;
  private volatile boolean stopped;

  PeerMoves(LocalLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  /** Starts recording the moves; returns at once. */
  void start() {
    Thread thread = new Thread(this::recordUntilDone, "patchwork-peer-moves-" + ledger.ledgerId());
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops trying (the ledger stops here). */
  void stop() {
    stopped = true;
  }

  /**
   * {@code current} with the addresses the hosted peers run at now, or {@code current} itself if it
   * names them already.
   */
  static LedgerConfig withAddressesOf(LocalLedger ledger, LedgerConfig current) {
    LedgerConfig.Builder next = current.toBuilder().clearPeers();
    for (Peer listed : current.getPeersList()) {
      Peer running =
          ledger.peerIds().contains(listed.getNodeId())
              ? ledger.peerConfig(listed.getNodeId())
              : listed;
      next.addPeers(
          listed.toBuilder().setHost(running.getHost()).setPort(running.getPort()).build());
    }
    return next.build();
  }

  private void recordUntilDone() {
    long started = System.nanoTime();
    int attempts = 0;
    while (!stopped) {
      try {
        PeerNode peer = ledger.furthestPeer();
        LedgerConfig current = peer.ledger().rules().config();
        LedgerConfig moved = withAddressesOf(ledger, current);
        if (moved.equals(current)) {
          log.info(
              "ledger.peer_moves_recorded ledger={} config_sequence={} attempts={} millis={}",
              ledger.ledgerId(),
              current.getSequence(),
              attempts,
              (System.nanoTime() - started) / 1_000_000);
          return;
        }
        attempts++;
        LedgerConfig next = moved.toBuilder().setSequence(current.getSequence() + 1).build();
        List<ConfigSignature> signatures = new ArrayList<>();
        for (int i = 0; i < current.getPeersCount(); i++) {
          if (!current.getPeers(i).equals(next.getPeers(i))) {
            signatures.add(
                ConfigTransactions.sign(next, ledger.signer(next.getPeers(i).getNodeId())));
          }
        }
        Envelope update =
            ConfigTransactions.envelope(
                next, signatures, ledger.signer(peer.nodeId()), clock.instant());
        TxRecord committed = ledger.submit(peer.nodeId(), update, COMMIT_WAIT);
        if (committed.validationCode() != TxValidationCode.VALID_VALUE) {
          log.debug(
              "ledger.peer_moves_not_valid ledger={} code={}",
              ledger.ledgerId(),
              committed.validationCode());
          Thread.sleep(PAUSE.toMillis());
        }
      } catch (IOException | TimeoutException | RuntimeException e) {
        // Behind the config in force, orderers electing, or another change went first.
        log.debug(
            "ledger.peer_moves_retry ledger={} reason=\"{}\"", ledger.ledgerId(), e.toString());
        try {
          Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
