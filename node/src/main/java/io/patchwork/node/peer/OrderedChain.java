package io.patchwork.node.peer;

import io.grpc.stub.StreamObserver;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.update.ConfigChain;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger's chain as its orderers deliver it, followed from the genesis block ({@link
 * ConfigChain}): from one orderer of the config in force after another, until the block asked for
 * or the newest. A block that does not follow — a broken link, a signature of no orderer of the
 * config in force at it — makes the next orderer be asked; the chain is refused only when every
 * orderer of that config delivered such a block. What it learns comes from the chain alone, so a
 * node that trusts only the genesis block learns the config in force now.
 */
public final class OrderedChain {
  private static final Logger log = LoggerFactory.getLogger(OrderedChain.class);
  private static final long RETRY_MILLIS = 200;

  /** Why the chain could not be followed: no orderer delivered it, or every one a bad block. */
  public static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean invalid;

    Failure(boolean invalid, String message) {
      super(message);
      this.invalid = invalid;
    }

    /** Whether every orderer asked delivered a block that does not follow the chain. */
    public boolean invalid() {
      return invalid;
    }
  }

  private OrderedChain() {}

  /**
   * The chain from {@code genesis} to the newest block the orderers have, for a node that starts
   * with nothing but the genesis block and its identities.
   */
  public static ConfigChain newest(
      Block genesis,
      NodeSigner signer,
      NodeTransport transport,
      NodeTransport.TlsIdentity tls,
      SignatureVerifier verifier,
      Clock clock,
      Duration timeout)
      throws Failure, ConfigException {
    ConfigChain chain = ConfigChain.fromGenesis(genesis, verifier);
    try (Channels channels = new Channels(transport, tls)) {
      follow(chain, Long.MAX_VALUE, channels, signer, clock, timeout);
    }
    return chain;
  }

  /**
   * Follows {@code chain} to block {@code number} ({@link Long#MAX_VALUE}: the newest the first
   * orderer that answers has).
   */
  static void follow(
      ConfigChain chain,
      long number,
      Channels channels,
      NodeSigner signer,
      Clock clock,
      Duration timeout)
      throws Failure {
    Instant deadline = clock.instant().plus(timeout);
    SecureRandom random = new SecureRandom();
    Map<String, String> invalid = new LinkedHashMap<>();
    String lastProblem = "no orderer answered";
    for (int attempt = 0; chain.last().getHeader().getNumber() < number; attempt++) {
      if (clock.instant().isAfter(deadline)) {
        throw new Failure(
            false,
            "the chain reached block "
                + chain.last().getHeader().getNumber()
                + (number == Long.MAX_VALUE ? "" : " of " + number)
                + " within "
                + timeout
                + ": "
                + lastProblem);
      }
      List<Orderer> orderers = chain.rules().orderers();
      Orderer orderer = orderers.get(attempt % orderers.size());
      try {
        if (deliver(chain, number, channels, orderer, deadline, signer, clock, random)) {
          return;
        }
      } catch (BadBlock e) {
        invalid.put(orderer.getNodeId(), e.getMessage());
        lastProblem = e.getMessage();
        if (orderers.stream().allMatch(o -> invalid.containsKey(o.getNodeId()))) {
          throw new Failure(
              true, "every orderer delivered a block that does not follow the chain: " + invalid);
        }
      } catch (Unavailable e) {
        lastProblem = orderer.getHost() + ":" + orderer.getPort() + ": " + e.getMessage();
        log.info("peer.chain_retry orderer={} reason=\"{}\"", orderer.getNodeId(), e.getMessage());
        sleep();
      }
    }
  }

  /**
   * One orderer's Deliver stream of the blocks still missing.
   *
   * @return whether the chain is complete (the newest was asked for and the orderer said so)
   */
  private static boolean deliver(
      ConfigChain chain,
      long number,
      Channels channels,
      Orderer orderer,
      Instant deadline,
      NodeSigner signer,
      Clock clock,
      SecureRandom random)
      throws BadBlock, Unavailable {
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<Envelope> requests =
        AtomicBroadcastGrpc.newStub(channels.open(orderer.getHost(), orderer.getPort()))
            .withDeadlineAfter(
                Math.max(1, Duration.between(clock.instant(), deadline).toMillis()),
                TimeUnit.MILLISECONDS)
            .deliver(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeliverResponse response) {
                    answers.add(response);
                  }

                  @Override
                  public void onError(Throwable failure) {
                    answers.add(failure);
                  }

                  @Override
                  public void onCompleted() {
                    answers.add(Status.SERVICE_UNAVAILABLE);
                  }
                });
    try {
      requests.onNext(
          number == Long.MAX_VALUE
              ? SeekEnvelopes.seekToNewest(
                  chain.rules().ledgerId(),
                  signer,
                  clock.instant(),
                  random,
                  chain.last().getHeader().getNumber() + 1)
              : SeekEnvelopes.seek(
                  chain.rules().ledgerId(),
                  signer,
                  clock.instant(),
                  random,
                  chain.last().getHeader().getNumber() + 1,
                  number));
      while (chain.last().getHeader().getNumber() < number) {
        Object answer = answers.take();
        if (answer instanceof Throwable failure) {
          throw new Unavailable(failure.getMessage());
        }
        if (answer instanceof Status status) {
          throw new Unavailable("the stream ended early (" + status + ")");
        }
        DeliverResponse response = (DeliverResponse) answer;
        if (!response.hasBlock()) {
          // Asked for the newest: SUCCESS after the last block, NOT_FOUND when none is newer.
          if (number == Long.MAX_VALUE
              && (response.getStatus() == Status.SUCCESS
                  || response.getStatus() == Status.NOT_FOUND)) {
            return true;
          }
          throw new Unavailable("answered " + response.getStatus());
        }
        Block block = response.getBlock();
        Optional<String> refusal = chain.follow(block);
        if (refusal.isPresent()) {
          throw new BadBlock(
              "orderer "
                  + orderer.getNodeId()
                  + " delivered block "
                  + block.getHeader().getNumber()
                  + ", which does not follow the chain from the genesis block: "
                  + refusal.get());
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    } finally {
      requests.onCompleted();
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An orderer that could not deliver; the next one is tried. */
  private static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  /** An orderer that delivered a block that does not follow; the next one is tried. */
  private static final class BadBlock extends Exception {
    private static final long serialVersionUID = 1L;

    BadBlock(String message) {
      super(message);
    }
  }
}
