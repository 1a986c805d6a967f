package io.patchwork.node.peer;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hyperledger.fabric.protos.gateway.CommitStatusResponse;
import org.hyperledger.fabric.protos.gateway.GatewayGrpc;
import org.hyperledger.fabric.protos.gateway.SignedCommitStatusRequest;
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
  record Peer(String address, String mspId, Supplier<ManagedChannel> channel) {}

  /**
   * A peer's answer, and the answers of the organisation's peers asked before it that were passed
   * over (behind, or disagreeing with the gateway's result).
   */
  record Answer(String address, ProposalResponse response, List<Answer> passedOver) {}

  private static final long TIMEOUT_SECONDS = 30;

  /** How long after a failed commit status call the peer is asked again. */
  private static final Duration RETRY = Duration.ofMillis(200);

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

  /** The peers the config lists of an organisation other than the gateway's. */
  List<Peer> peersOf(String mspId) {
    return byOrganization.getOrDefault(mspId, List.of());
  }

  /**
   * Completes once {@code peer} has committed the transaction {@code request} asks about (its own
   * commit status: {@link OwnPeerOnly}), asking again after a failed call until {@code deadline}
   * (System.nanoTime); completes exceptionally with the last failure after it.
   */
  void committed(
      Peer peer,
      SignedCommitStatusRequest request,
      long deadline,
      ScheduledExecutorService scheduler,
      CompletableFuture<CommitStatusResponse> result) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      result.completeExceptionally(new TimeoutException("no answer in time"));
      return;
    }
    Futures.addCallback(
        GatewayGrpc.newFutureStub(peer.channel().get())
            .withInterceptors(OwnPeerOnly.attach())
            .withDeadlineAfter(left, TimeUnit.NANOSECONDS)
            .commitStatus(request),
        new FutureCallback<>() {
          @Override
          public void onSuccess(CommitStatusResponse response) {
            result.complete(response);
          }

          @Override
          public void onFailure(Throwable failure) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= RETRY.toNanos()) {
              // No time for another call: the answer is due when the wait ends.
              scheduler.schedule(
                  () -> result.completeExceptionally(failure),
                  Math.max(0, remaining),
                  TimeUnit.NANOSECONDS);
              return;
            }
            scheduler.schedule(
                () -> committed(peer, request, deadline, scheduler, result),
                RETRY.toMillis(),
                TimeUnit.MILLISECONDS);
          }
        },
        MoreExecutors.directExecutor());
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
        EndorserGrpc.newFutureStub(peer.channel().get())
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
