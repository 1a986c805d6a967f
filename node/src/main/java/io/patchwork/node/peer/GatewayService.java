package io.patchwork.node.peer;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.gateway.ChaincodeEventsRequest;
import org.hyperledger.fabric.protos.gateway.ChaincodeEventsResponse;
import org.hyperledger.fabric.protos.gateway.CommitStatusRequest;
import org.hyperledger.fabric.protos.gateway.CommitStatusResponse;
import org.hyperledger.fabric.protos.gateway.EndorseRequest;
import org.hyperledger.fabric.protos.gateway.EndorseResponse;
import org.hyperledger.fabric.protos.gateway.ErrorDetail;
import org.hyperledger.fabric.protos.gateway.EvaluateRequest;
import org.hyperledger.fabric.protos.gateway.EvaluateResponse;
import org.hyperledger.fabric.protos.gateway.GatewayGrpc;
import org.hyperledger.fabric.protos.gateway.SignedChaincodeEventsRequest;
import org.hyperledger.fabric.protos.gateway.SignedCommitStatusRequest;
import org.hyperledger.fabric.protos.gateway.SubmitRequest;
import org.hyperledger.fabric.protos.gateway.SubmitResponse;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEndorsedAction;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TransactionAction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fabric's Gateway service on a peer: Endorse (here and on peers of other organisations until the
 * endorsement policy is met), Submit (to the orderers), CommitStatus, Evaluate and ChaincodeEvents.
 * Failures reach the client as gRPC status with {@link ErrorDetail}s naming the node and what went
 * wrong.
 *
 * <p>Thread-safe; calls run on the transport's executor and never wait on an event loop.
 *
 * <p>One class on purpose: it is one gRPC service of Fabric's, a method per RPC; the work behind
 * them lives in {@link Endorser}, {@link RemoteEndorsers}, {@link OrdererClient}, {@link
 * CommitWaits} and {@link SignedRequests}.
 */
final class GatewayService extends GatewayGrpc.GatewayImplBase {
  private static final Logger log = LoggerFactory.getLogger(GatewayService.class);

  private final String address;
  private final String mspId;
  private final PeerLedger ledger;
  private final Endorser endorser;
  private final RemoteEndorsers remotes;
  private final OrdererClient orderers;
  private final CommitWaits commits;
  private final SignedRequests requests;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;
  private final AtomicInteger rotation = new AtomicInteger();
  private volatile Ring memberRing;

  GatewayService(
      String address,
      String mspId,
      PeerLedger ledger,
      Endorser endorser,
      RemoteEndorsers remotes,
      OrdererClient orderers,
      CommitWaits commits,
      SignedRequests requests,
      Executor executor,
      ScheduledExecutorService scheduler) {
    this.address = address;
    this.mspId = mspId;
    this.ledger = ledger;
    this.endorser = endorser;
    this.remotes = remotes;
    this.orderers = orderers;
    this.commits = commits;
    this.requests = requests;
    this.executor = executor;
    this.scheduler = scheduler;
  }

  /** How long a commit status waits for other peers when the ledger's policy names no timeout. */
  static final Duration DEFAULT_COMMIT_STATUS_TIMEOUT = Duration.ofSeconds(5);

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> responses) {
    Endorser.Outcome outcome = endorser.evaluate(request.getProposedTransaction());
    if (!outcome.ok()) {
      responses.onError(refusal("evaluate call to endorser returned an error", outcome));
      return;
    }
    responses.onNext(
        EvaluateResponse.newBuilder().setResult(outcome.response().getResponse()).build());
    responses.onCompleted();
  }

  @Override
  public void endorse(EndorseRequest request, StreamObserver<EndorseResponse> responses) {
    SignedProposal signed = request.getProposedTransaction();
    Endorser.Outcome local = endorser.endorse(signed);
    if (!local.ok()) {
      responses.onError(refusal("failed to endorse transaction", local));
      return;
    }
    // Every block the simulation could have read is below this height: other endorsers simulate
    // once they have as much.
    long readHeight = ledger.height();
    LedgerRules rules = ledger.rules();
    List<String> candidates = otherOrganizations(rules, request.getEndorsingOrganizationsList());
    gather(signed, local, readHeight, rules, candidates)
        .whenComplete(
            (endorsements, failure) -> {
              if (failure != null) {
                responses.onError(asStatus(failure));
                return;
              }
              try {
                responses.onNext(
                    EndorseResponse.newBuilder()
                        .setPreparedTransaction(prepare(local, signed, endorsements))
                        .build());
                responses.onCompleted();
              } catch (InvalidProtocolBufferException e) {
                responses.onError(
                    Status.INVALID_ARGUMENT
                        .withDescription("proposal cannot be turned into a transaction")
                        .asRuntimeException());
              }
            });
  }

  @Override
  public void submit(SubmitRequest request, StreamObserver<SubmitResponse> responses) {
    Envelope envelope = request.getPreparedTransaction();
    String txId;
    try {
      txId = EnvelopeHeaders.read(envelope).txId();
    } catch (InvalidProtocolBufferException e) {
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription("prepared transaction cannot be decoded")
              .asRuntimeException());
      return;
    }
    if (!txId.equals(request.getTransactionId()) || envelope.getSignature().isEmpty()) {
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "prepared transaction is unsigned or not transaction "
                      + request.getTransactionId())
              .asRuntimeException());
      return;
    }
    orderers
        .broadcast(envelope)
        .whenComplete(
            (answer, failure) -> {
              if (failure != null) {
                responses.onError(
                    withDetails(
                        Status.UNAVAILABLE,
                        "failed to send transaction to the orderers",
                        List.of(detail("orderers", "", failure.getMessage()))));
              } else if (answer.getStatus()
                  != org.hyperledger.fabric.protos.common.Status.SUCCESS) {
                responses.onError(
                    withDetails(
                        Status.ABORTED,
                        "the orderer refused the transaction",
                        List.of(
                            detail("orderer", "", answer.getStatus() + ": " + answer.getInfo()))));
              } else {
                responses.onNext(SubmitResponse.getDefaultInstance());
                responses.onCompleted();
              }
            });
  }

  /** Decodes a request the gateway client signs. */
  @FunctionalInterface
  private interface RequestParser<T> {
    T parse(ByteString bytes) throws InvalidProtocolBufferException;
  }

  /**
   * Decodes a signed request and checks its signer and its ledger; when it fails, the error has
   * been sent and the result is empty.
   */
  private <T> Optional<T> admitted(
      ByteString bytes,
      ByteString signature,
      RequestParser<T> parser,
      Function<T, ByteString> identity,
      Function<T, String> channel,
      StreamObserver<?> responses) {
    T request;
    try {
      request = parser.parse(bytes);
    } catch (InvalidProtocolBufferException e) {
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription("request cannot be decoded")
              .asRuntimeException());
      return Optional.empty();
    }
    Optional<StatusRuntimeException> denied =
        requests.refusal(identity.apply(request), bytes, signature);
    if (denied.isPresent()) {
      responses.onError(denied.get());
      return Optional.empty();
    }
    if (!ledger.rules().ledgerId().equals(channel.apply(request))) {
      responses.onError(
          Status.NOT_FOUND
              .withDescription("this peer does not serve ledger " + channel.apply(request))
              .asRuntimeException());
      return Optional.empty();
    }
    return Optional.of(request);
  }

  @Override
  public void commitStatus(
      SignedCommitStatusRequest signed, StreamObserver<CommitStatusResponse> responses) {
    Optional<CommitStatusRequest> admitted =
        admitted(
            signed.getRequest(),
            signed.getSignature(),
            CommitStatusRequest::parseFrom,
            CommitStatusRequest::getIdentity,
            CommitStatusRequest::getChannelId,
            responses);
    if (admitted.isEmpty()) {
      return;
    }
    CommitStatusRequest request = admitted.get();
    // Asked by another gateway for this peer's own status: answer as Fabric does, for itself.
    boolean ownPeerOnly = OwnPeerOnly.asked();
    CompletableFuture<TxRecord> wait = commits.await(request.getTransactionId());
    Context.current().addListener(context -> wait.cancel(false), executor);
    wait.whenComplete(
        (record, failure) -> {
          if (failure != null) {
            return;
          }
          CommitStatusResponse answer =
              CommitStatusResponse.newBuilder()
                  .setResultValue(record.validationCode())
                  .setBlockNumber(record.blockNumber())
                  .build();
          CommitStatusPolicy policy = ledger.rules().config().getCommitStatus();
          if (ownPeerOnly || policy.getScope() == CommitStatusPolicy.Scope.GATEWAY_PEER) {
            responses.onNext(answer);
            responses.onCompleted();
            return;
          }
          // Off the commit thread: it reads the block and calls other peers.
          executor.execute(() -> awaitOtherPeers(signed, record, policy, answer, responses));
        });
  }

  /**
   * Answers a commit status once the peers the policy waits for have committed the transaction as
   * well — each asked for its own status — or, after the policy's timeout, that they have not.
   */
  private void awaitOtherPeers(
      SignedCommitStatusRequest signed,
      TxRecord record,
      CommitStatusPolicy policy,
      CommitStatusResponse answer,
      StreamObserver<CommitStatusResponse> responses) {
    Set<String> organizations = new LinkedHashSet<>();
    if (policy.getScope() == CommitStatusPolicy.Scope.ALL_MEMBERS) {
      organizations.addAll(ledger.rules().memberMspIds());
    } else {
      organizations.addAll(endorsingOrganizations(record));
    }
    organizations.remove(mspId);
    List<RemoteEndorsers.Peer> peers = new ArrayList<>();
    organizations.forEach(organization -> peers.addAll(remotes.peersOf(organization)));
    Duration timeout =
        policy.getTimeoutMillis() == 0
            ? DEFAULT_COMMIT_STATUS_TIMEOUT
            : Duration.ofMillis(policy.getTimeoutMillis());
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<CommitStatusResponse>> calls = new ArrayList<>();
    for (RemoteEndorsers.Peer peer : peers) {
      CompletableFuture<CommitStatusResponse> call = new CompletableFuture<>();
      remotes.committed(peer, signed, deadline, scheduler, call);
      calls.add(call);
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .whenComplete(
            (all, late) -> {
              if (late == null) {
                responses.onNext(answer);
                responses.onCompleted();
                return;
              }
              List<ErrorDetail> behind = new ArrayList<>();
              for (int i = 0; i < peers.size(); i++) {
                if (calls.get(i).isCompletedExceptionally()) {
                  behind.add(
                      detail(
                          peers.get(i).address(),
                          peers.get(i).mspId(),
                          "had not committed the transaction within "
                              + timeout.toMillis()
                              + " ms"));
                }
              }
              responses.onError(
                  withDetails(
                      Status.DEADLINE_EXCEEDED,
                      "transaction "
                          + record.txId()
                          + " committed in block "
                          + record.blockNumber()
                          + " on this peer, but "
                          + behind.size()
                          + " of the "
                          + peers.size()
                          + " other peers the ledger's commit status policy ("
                          + policy.getScope()
                          + ") waits for had not committed it within "
                          + timeout.toMillis()
                          + " ms: "
                          + behind.stream()
                              .map(d -> d.getMspId() + " " + d.getAddress())
                              .collect(java.util.stream.Collectors.joining(", ")),
                      behind));
            });
  }

  /** The organisations whose endorsements a committed transaction carries. */
  private Set<String> endorsingOrganizations(TxRecord record) {
    Set<String> organizations = new LinkedHashSet<>();
    try {
      Block block = ledger.blocks().get(record.blockNumber()).orElseThrow();
      Envelope envelope = Envelope.parseFrom(block.getData().getData(record.txNumber()));
      Transaction transaction =
          Transaction.parseFrom(Payload.parseFrom(envelope.getPayload()).getData());
      for (TransactionAction action : transaction.getActionsList()) {
        for (Endorsement endorsement :
            ChaincodeActionPayload.parseFrom(action.getPayload())
                .getAction()
                .getEndorsementsList()) {
          organizations.add(SerializedIdentity.parseFrom(endorsement.getEndorser()).getMspid());
        }
      }
    } catch (IOException | RuntimeException e) {
      // A block this peer committed reads back; if not, every member's peer is waited for.
      log.warn("gateway.endorsers_unreadable tx={} reason=\"{}\"", record.txId(), e.toString());
      organizations.addAll(ledger.rules().memberMspIds());
    }
    return organizations;
  }

  @Override
  public void chaincodeEvents(
      SignedChaincodeEventsRequest signed, StreamObserver<ChaincodeEventsResponse> responses) {
    Optional<ChaincodeEventsRequest> admitted =
        admitted(
            signed.getRequest(),
            signed.getSignature(),
            ChaincodeEventsRequest::parseFrom,
            ChaincodeEventsRequest::getIdentity,
            ChaincodeEventsRequest::getChannelId,
            responses);
    if (admitted.isEmpty()) {
      return;
    }
    ChaincodeEventsRequest request = admitted.get();
    long start = startBlock(request.getStartPosition());
    String contract = request.getChaincodeId();
    String after = request.getAfterTransactionId();
    ServerCallStreamObserver<ChaincodeEventsResponse> stream =
        (ServerCallStreamObserver<ChaincodeEventsResponse>) responses;
    BlockFeed feed =
        BlockFeed.start(
            ledger,
            executor,
            start,
            Long.MAX_VALUE,
            new BlockFeed.Subscriber() {
              private boolean skipping = !after.isEmpty();

              @Override
              public boolean accept(Block block) {
                if (stream.isCancelled()) {
                  return false;
                }
                List<ChaincodeEvent> events = new ArrayList<>();
                for (ChaincodeEvent event : Events.of(block)) {
                  if (skipping) {
                    skipping = !event.getTxId().equals(after);
                    continue;
                  }
                  if (event.getChaincodeId().equals(contract)) {
                    events.add(event);
                  }
                }
                if (!events.isEmpty()) {
                  stream.onNext(
                      ChaincodeEventsResponse.newBuilder()
                          .setBlockNumber(block.getHeader().getNumber())
                          .addAllEvents(events)
                          .build());
                }
                return true;
              }

              @Override
              public void ended(Throwable failure) {
                if (failure != null && !stream.isCancelled()) {
                  log.warn("gateway.events_failed", failure);
                  stream.onError(
                      Status.INTERNAL.withDescription("event stream failed").asRuntimeException());
                }
              }
            });
    stream.setOnCancelHandler(feed::close);
  }

  private long startBlock(SeekPosition position) {
    return switch (position.getTypeCase()) {
      case OLDEST -> 0;
      case SPECIFIED -> position.getSpecified().getNumber();
      case NEWEST -> Math.max(0, ledger.height() - 1);
      default -> ledger.height();
    };
  }

  /**
   * Beyond what the endorsement policy needs, how many more organisations a gateway asks in turn
   * before the others (see {@link #otherOrganizations}).
   */
  static final int SPARE_PARTNERS = 3;

  /**
   * Member organisations to ask besides this one, in the order to ask them. Unless the client names
   * them, a gateway first asks its partners — the organisations after its own in the config's
   * member order, as many as the policy needs plus {@link #SPARE_PARTNERS}, rotated so its load
   * spreads over them — and the rest only if those fail. Each organisation is the partner of as
   * many gateways as it has partners, so endorsement work stays even, while a gateway of a
   * 100-member ledger keeps connections to a few peers rather than to all others: all gateways
   * talking to all peers would hold about 9,000 connections, 18,000 file descriptors in one
   * process.
   */
  private List<String> otherOrganizations(LedgerRules rules, List<String> requested) {
    Ring ring;
    if (requested.isEmpty()) {
      // The ring of the config in force, built once per config rather than per request.
      ring = memberRing;
      if (ring == null || ring.rules() != rules) {
        List<String> others = ringAfterThis(List.copyOf(rules.memberMspIds()));
        ring =
            new Ring(
                rules,
                others,
                Math.min(
                    others.size(), rules.endorsingOrganizationsRequired() - 1 + SPARE_PARTNERS));
        memberRing = ring;
      }
    } else {
      List<String> others = ringAfterThis(requested);
      ring = new Ring(rules, others, others.size());
    }
    List<String> all = ring.organizations();
    int partners = ring.partners();
    if (partners == 0) {
      return all;
    }
    int offset = Math.floorMod(rotation.getAndIncrement(), partners);
    List<String> ordered = new ArrayList<>(all.subList(offset, partners));
    ordered.addAll(all.subList(0, offset));
    ordered.addAll(all.subList(partners, all.size()));
    return ordered;
  }

  /** Other organisations in ring order after this one, and how many of the first are partners. */
  private record Ring(LedgerRules rules, List<String> organizations, int partners) {}

  /** The organisations of {@code order} that follow this one, wrapping around, that have peers. */
  private List<String> ringAfterThis(List<String> order) {
    List<String> ring = new ArrayList<>();
    int self = Math.max(0, order.indexOf(mspId));
    for (int i = 0; i < order.size(); i++) {
      String organization = order.get(Math.floorMod(self + 1 + i, order.size()));
      if (!organization.equals(mspId) && remotes.hasPeers(organization)) {
        ring.add(organization);
      }
    }
    return List.copyOf(ring);
  }

  /**
   * Asks organisations in turn, as many at once as are still needed, until the policy is met; every
   * endorsement must sign the same result as this peer's.
   */
  private CompletableFuture<List<Endorsement>> gather(
      SignedProposal signed,
      Endorser.Outcome local,
      long readHeight,
      LedgerRules rules,
      List<String> candidates) {
    List<Endorsement> endorsements = new ArrayList<>();
    endorsements.add(local.response().getEndorsement());
    Set<String> organizations = new LinkedHashSet<>();
    organizations.add(mspId);
    return round(
        signed,
        local,
        readHeight,
        rules,
        candidates,
        0,
        endorsements,
        organizations,
        new ArrayList<>());
  }

  private CompletableFuture<List<Endorsement>> round(
      SignedProposal signed,
      Endorser.Outcome local,
      long readHeight,
      LedgerRules rules,
      List<String> candidates,
      int nextCandidate,
      List<Endorsement> endorsements,
      Set<String> organizations,
      List<ErrorDetail> problems) {
    if (rules.endorsementSatisfied(organizations)) {
      return CompletableFuture.completedFuture(endorsements);
    }
    int needed = rules.endorsingOrganizationsRequired() - organizations.size();
    if (nextCandidate >= candidates.size()) {
      return CompletableFuture.failedFuture(
          withDetails(
              Status.ABORTED,
              "failed to collect enough endorsements: the policy needs "
                  + rules.endorsingOrganizationsRequired()
                  + " organisations, "
                  + organizations.size()
                  + " endorsed"
                  + (problems.isEmpty()
                      ? ""
                      : "; "
                          + problems.get(problems.size() - 1).getMspId()
                          + ": "
                          + problems.get(problems.size() - 1).getMessage()),
              problems));
    }
    List<String> wave =
        candidates.subList(nextCandidate, Math.min(candidates.size(), nextCandidate + needed));
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (String organization : wave) {
      calls.add(
          remotes
              .endorse(organization, signed, readHeight, response -> usable(local, response))
              .handle(
                  (answer, failure) -> {
                    synchronized (endorsements) {
                      record(
                          organization,
                          local,
                          answer,
                          failure,
                          endorsements,
                          organizations,
                          problems);
                    }
                    return null;
                  }));
    }
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .thenCompose(
            done ->
                round(
                    signed,
                    local,
                    readHeight,
                    rules,
                    candidates,
                    nextCandidate + wave.size(),
                    endorsements,
                    organizations,
                    problems));
  }

  private static void record(
      String organization,
      Endorser.Outcome local,
      RemoteEndorsers.Answer answer,
      Throwable failure,
      List<Endorsement> endorsements,
      Set<String> organizations,
      List<ErrorDetail> problems) {
    if (failure != null) {
      problems.add(detail("", organization, "endorsement call failed: " + failure.getMessage()));
      return;
    }
    for (RemoteEndorsers.Answer passed : answer.passedOver()) {
      problems.add(detail(passed.address(), organization, problem(local, passed.response())));
    }
    ProposalResponse response = answer.response();
    if (usable(local, response)) {
      endorsements.add(response.getEndorsement());
      organizations.add(organization);
    } else {
      problems.add(detail(answer.address(), organization, problem(local, response)));
    }
  }

  /** Whether a remote endorsement can stand with this gateway's: a success of the same result. */
  private static boolean usable(Endorser.Outcome local, ProposalResponse response) {
    return response.getResponse().getStatus() == 200
        && response.getPayload().equals(local.response().getPayload());
  }

  /** What is wrong with a remote answer {@link #usable} refuses. */
  private static String problem(Endorser.Outcome local, ProposalResponse response) {
    int status = response.getResponse().getStatus();
    if (status == EndorserService.BEHIND) {
      return response.getResponse().getMessage();
    }
    if (status != 200) {
      return "chaincode response " + status + ", " + response.getResponse().getMessage();
    }
    return "endorsement result differs from this gateway's: "
        + ReadSets.difference(local.response().getPayload(), response.getPayload());
  }

  /** The transaction envelope (unsigned) the client signs and submits. */
  private static Envelope prepare(
      Endorser.Outcome local, SignedProposal signed, List<Endorsement> endorsements)
      throws InvalidProtocolBufferException {
    Proposal proposal = Proposal.parseFrom(signed.getProposalBytes());
    Header header = Header.parseFrom(proposal.getHeader());
    ChaincodeActionPayload actionPayload =
        ChaincodeActionPayload.newBuilder()
            .setChaincodeProposalPayload(
                Transactions.withoutTransient(
                    ChaincodeProposalPayload.parseFrom(proposal.getPayload())))
            .setAction(
                ChaincodeEndorsedAction.newBuilder()
                    .setProposalResponsePayload(local.response().getPayload())
                    .addAllEndorsements(endorsements))
            .build();
    Transaction transaction =
        Transaction.newBuilder()
            .addActions(
                TransactionAction.newBuilder()
                    .setHeader(header.getSignatureHeader())
                    .setPayload(actionPayload.toByteString()))
            .build();
    Payload payload =
        Payload.newBuilder().setHeader(header).setData(transaction.toByteString()).build();
    return Envelope.newBuilder().setPayload(payload.toByteString()).build();
  }

  private StatusRuntimeException refusal(String summary, Endorser.Outcome outcome) {
    Status status =
        switch (outcome.refusal().orElseThrow()) {
          case MALFORMED, WRONG_LEDGER, TIMESTAMP_OUT_OF_RANGE -> Status.INVALID_ARGUMENT;
          case IDENTITY_REFUSED, NOT_A_MEMBER, BAD_SIGNATURE -> Status.PERMISSION_DENIED;
          case DUPLICATE_TRANSACTION -> Status.ALREADY_EXISTS;
          case LEDGER_NOT_OPEN -> Status.FAILED_PRECONDITION;
          case CONTRACT_NOT_AVAILABLE -> Status.NOT_FOUND;
          case CONTRACT_FAILED -> Status.ABORTED;
        };
    int code = outcome.response().getResponse().getStatus();
    String message =
        outcome.refusal().get() == Endorser.Refusal.CONTRACT_FAILED
            ? "chaincode response " + code + ", " + outcome.message()
            : outcome.message();
    return withDetails(
        status,
        summary + ", see attached details for more info",
        List.of(detail(address, mspId, message)));
  }

  private static ErrorDetail detail(String address, String mspId, String message) {
    return ErrorDetail.newBuilder()
        .setAddress(address)
        .setMspId(mspId)
        .setMessage(message == null ? "" : message)
        .build();
  }

  private static StatusRuntimeException withDetails(
      Status status, String message, List<ErrorDetail> details) {
    com.google.rpc.Status.Builder rpc =
        com.google.rpc.Status.newBuilder().setCode(status.getCode().value()).setMessage(message);
    details.forEach(d -> rpc.addDetails(Any.pack(d)));
    return StatusProto.toStatusRuntimeException(rpc.build());
  }

  private static StatusRuntimeException asStatus(Throwable failure) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    if (cause instanceof StatusRuntimeException status) {
      return status;
    }
    log.warn("gateway.internal_error", cause);
    return Status.INTERNAL.withDescription("the gateway failed").asRuntimeException();
  }

  /** Chaincode events of a committed block's valid transactions. */
  static final class Events {
    private Events() {}

    static List<ChaincodeEvent> of(Block block) {
      List<ChaincodeEvent> events = new ArrayList<>();
      ByteString filter =
          block.getMetadata().getMetadataCount() > BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE
              ? block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE)
              : ByteString.EMPTY;
      for (int i = 0; i < block.getData().getDataCount(); i++) {
        if (i >= filter.size() || filter.byteAt(i) != TxValidationCode.VALID_VALUE) {
          continue;
        }
        PeerLedger.eventOf(block.getData().getData(i)).ifPresent(events::add);
      }
      return events;
    }
  }
}
