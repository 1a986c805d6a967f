package io.patchwork.node.peer;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ClientInterceptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * The peers of other organisations a gateway asks for endorsements, through Fabric's Endorser
 * service. Each organisation's peers are used in turn; if one cannot be reached the next is tried.
 * Thread-safe.
 */
final class RemoteEndorsers {
  /**
   * A remote peer's address and its stub, created on first use: a gateway of a 100-node ledger
   * knows every other organisation's peers but talks to few of them.
   */
  record Peer(String address, String mspId, Supplier<EndorserGrpc.EndorserFutureStub> stub) {}

  /**
   * A peer's answer, and the answers of the organisation's peers asked before it that were passed
   * over (behind, or disagreeing with the gateway's result).
   */
  record Answer(String address, ProposalResponse response, List<Answer> passedOver) {}

  private static final long TIMEOUT_SECONDS = 30;

  private final Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();
  private volatile Map<String, List<Peer>> byOrganization = Map.of();

  RemoteEndorsers(List<Peer> peers) {
    replace(peers);
  }

  /** Asks these peers from now on (after a config change moved or removed some). */
  void replace(List<Peer> peers) {
    Map<String, List<Peer>> grouped = new HashMap<>();
    for (Peer peer : peers) {
      grouped.computeIfAbsent(peer.mspId(), m -> new ArrayList<>()).add(peer);
      turns.computeIfAbsent(peer.mspId(), m -> new AtomicInteger());
    }
    grouped.replaceAll((m, list) -> List.copyOf(list));
    byOrganization = Map.copyOf(grouped);
  }

  boolean hasPeers(String mspId) {
    return byOrganization.containsKey(mspId);
  }

  /**
   * Asks one of the organisation's peers to endorse {@code proposal}, telling it the gateway
   * simulated with the blocks below {@code readHeight} ({@link ReadHeight}). A peer that cannot be
   * reached, or whose answer {@code usable} refuses, is passed over for the next one; the last
   * answer stands.
   */
  CompletableFuture<Answer> endorse(
      String mspId, SignedProposal proposal, long readHeight, Predicate<ProposalResponse> usable) {
    List<Peer> peers = byOrganization.getOrDefault(mspId, List.of());
    CompletableFuture<Answer> result = new CompletableFuture<>();
    if (peers.isEmpty()) {
      result.completeExceptionally(new IllegalStateException("no peer of " + mspId + " is known"));
      return result;
    }
    int first = turns.get(mspId).getAndIncrement();
    attempt(
        peers,
        first,
        0,
        proposal,
        ReadHeight.attach(readHeight),
        usable,
        new ArrayList<>(),
        result);
    return result;
  }

  private void attempt(
      List<Peer> peers,
      int index,
      int tried,
      SignedProposal proposal,
      ClientInterceptor height,
      Predicate<ProposalResponse> usable,
      List<Answer> passedOver,
      CompletableFuture<Answer> result) {
    Peer peer = peers.get(Math.floorMod(index, peers.size()));
    boolean last = tried + 1 >= peers.size();
    Futures.addCallback(
        peer.stub()
            .get()
            .withInterceptors(height)
            .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .processProposal(proposal),
        new FutureCallback<>() {
          @Override
          public void onSuccess(ProposalResponse response) {
            Answer answer = new Answer(peer.address(), response, List.copyOf(passedOver));
            if (last || usable.test(response)) {
              result.complete(answer);
            } else {
              passedOver.add(answer);
              attempt(peers, index + 1, tried + 1, proposal, height, usable, passedOver, result);
            }
          }

          @Override
          public void onFailure(Throwable failure) {
            if (last) {
              result.completeExceptionally(failure);
            } else {
              attempt(peers, index + 1, tried + 1, proposal, height, usable, passedOver, result);
            }
          }
        },
        MoreExecutors.directExecutor());
  }
}
