package io.patchwork.node.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.patchwork.node.net.DeliverCall;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.DeliverGrpc;
import org.hyperledger.fabric.protos.peer.DeliverResponse;
import org.hyperledger.fabric.protos.peer.FilteredBlock;
import org.hyperledger.fabric.protos.peer.FilteredChaincodeAction;
import org.hyperledger.fabric.protos.peer.FilteredTransaction;
import org.hyperledger.fabric.protos.peer.FilteredTransactionActions;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * Fabric's peer Deliver service: committed blocks (with their validation codes) or filtered blocks,
 * from a seek position, following new commits until the stop position or cancellation. The request
 * envelope must be signed by a member of the ledger.
 */
final class DeliverService extends DeliverGrpc.DeliverImplBase {
  private final PeerLedger ledger;
  private final SignedRequests requests;
  private final Executor executor;

  DeliverService(PeerLedger ledger, SignedRequests requests, Executor executor) {
    this.ledger = ledger;
    this.requests = requests;
    this.executor = executor;
  }

  @Override
  public StreamObserver<Envelope> deliver(StreamObserver<DeliverResponse> responses) {
    return requests(responses, block -> DeliverResponse.newBuilder().setBlock(block).build());
  }

  @Override
  public StreamObserver<Envelope> deliverFiltered(StreamObserver<DeliverResponse> responses) {
    return requests(
        responses, block -> DeliverResponse.newBuilder().setFilteredBlock(filtered(block)).build());
  }

  /**
   * A Deliver call: seek after seek, each answered with its blocks and SUCCESS ({@link
   * DeliverCall}), as Fabric's peers answer the {@code peer channel fetch} command.
   */
  private StreamObserver<Envelope> requests(
      StreamObserver<DeliverResponse> responses, Function<Block, DeliverResponse> shape) {
    ServerCallStreamObserver<DeliverResponse> stream =
        (ServerCallStreamObserver<DeliverResponse>) responses;
    DeliverCall<Seek, DeliverResponse> call =
        new DeliverCall<>(stream, status -> DeliverResponse.newBuilder().setStatus(status).build());
    // gRPC takes the cancel handler only before this method returns.
    stream.setOnCancelHandler(() -> call.replace(null).ifPresent(Seek::close));
    return new StreamObserver<>() {
      @Override
      public void onNext(Envelope envelope) {
        call.replace(null).ifPresent(Seek::close);
        start(envelope, call, shape);
        if (stream.isCancelled()) {
          call.replace(null).ifPresent(Seek::close);
        }
      }

      @Override
      public void onError(Throwable failure) {
        call.replace(null).ifPresent(Seek::close);
      }

      @Override
      public void onCompleted() {
        call.halfClosed();
      }
    };
  }

  /** Starts the delivery a seek asks for, or answers it at once with a refusal. */
  private void start(
      Envelope envelope,
      DeliverCall<Seek, DeliverResponse> call,
      Function<Block, DeliverResponse> shape) {
    ServerCallStreamObserver<DeliverResponse> stream = call.stream();
    SeekInfo seek;
    ChannelHeader channel;
    SignatureHeader signer;
    try {
      EnvelopeHeaders headers = EnvelopeHeaders.read(envelope);
      channel = headers.channel();
      signer = headers.signatureHeader();
      seek = SeekInfo.parseFrom(headers.payload().getData());
    } catch (InvalidProtocolBufferException e) {
      call.refuse(org.hyperledger.fabric.protos.common.Status.BAD_REQUEST);
      return;
    }
    if (!ledger.rules().ledgerId().equals(channel.getChannelId())) {
      call.refuse(org.hyperledger.fabric.protos.common.Status.NOT_FOUND);
      return;
    }
    Optional<StatusRuntimeException> denied =
        requests.refusal(signer.getCreator(), envelope.getPayload(), envelope.getSignature());
    if (denied.isPresent()) {
      call.refuse(org.hyperledger.fabric.protos.common.Status.FORBIDDEN);
      return;
    }
    long height = ledger.height();
    // A peer that joined from a snapshot holds blocks from the snapshot's anchor on.
    long first = ledger.blocks().first();
    long start = position(seek.getStart(), first, height, first);
    long stop = position(seek.getStop(), first, height, Long.MAX_VALUE);
    if (start < first
        || start > stop
        || (seek.getBehavior() == SeekInfo.SeekBehavior.FAIL_IF_NOT_READY && stop >= height)) {
      call.refuse(org.hyperledger.fabric.protos.common.Status.NOT_FOUND);
      return;
    }
    Seek delivery = new Seek();
    call.replace(delivery);
    delivery.feed =
        BlockFeed.start(
            ledger,
            executor,
            start,
            stop,
            new BlockFeed.Subscriber() {
              @Override
              public boolean accept(Block block) {
                if (stream.isCancelled()) {
                  return false;
                }
                stream.onNext(shape.apply(block));
                return true;
              }

              @Override
              public void ended(Throwable failure) {
                if (stream.isCancelled()) {
                  return;
                }
                if (failure != null) {
                  call.replace(null);
                  stream.onError(
                      Status.INTERNAL
                          .withDescription("block delivery failed")
                          .asRuntimeException());
                } else {
                  call.succeeded(delivery);
                }
              }
            });
  }

  /** One seek's delivery: the feed that sends its blocks, once started. */
  private static final class Seek {
    private volatile BlockFeed feed;

    void close() {
      BlockFeed started = feed;
      if (started != null) {
        started.close();
      }
    }
  }

  private static long position(SeekPosition position, long first, long height, long unset) {
    return switch (position.getTypeCase()) {
      case OLDEST -> first;
      case NEWEST -> Math.max(0, height - 1);
      case NEXT_COMMIT -> height;
      // uint64 on the wire: the client's "no stop" is the largest unsigned value.
      case SPECIFIED ->
          position.getSpecified().getNumber() < 0
              ? Long.MAX_VALUE
              : position.getSpecified().getNumber();
      default -> unset;
    };
  }

  static FilteredBlock filtered(Block block) {
    FilteredBlock.Builder filtered =
        FilteredBlock.newBuilder().setNumber(block.getHeader().getNumber());
    var filter = block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE);
    for (int i = 0; i < block.getData().getDataCount(); i++) {
      try {
        EnvelopeHeaders headers = EnvelopeHeaders.read(block.getData().getData(i));
        ChannelHeader header = headers.channel();
        filtered.setChannelId(header.getChannelId());
        FilteredTransaction.Builder tx =
            FilteredTransaction.newBuilder()
                .setTxid(header.getTxId())
                .setTypeValue(header.getType())
                .setTxValidationCodeValue(
                    i < filter.size()
                        ? filter.byteAt(i) & 0xff
                        : TxValidationCode.NOT_VALIDATED_VALUE);
        if (header.getType() == HeaderType.ENDORSER_TRANSACTION_VALUE) {
          ChaincodeAction action = PeerLedger.chaincodeAction(headers.payload());
          FilteredChaincodeAction.Builder chaincode = FilteredChaincodeAction.newBuilder();
          if (!action.getEvents().isEmpty()) {
            ChaincodeEvent event = ChaincodeEvent.parseFrom(action.getEvents());
            chaincode.setChaincodeEvent(event.toBuilder().clearPayload());
          }
          tx.setTransactionActions(
              FilteredTransactionActions.newBuilder().addChaincodeActions(chaincode));
        }
        filtered.addFilteredTransactions(tx);
      } catch (InvalidProtocolBufferException e) {
        // An undecodable transaction has no id or type to show; it is left out.
      }
    }
    return filtered.build();
  }
}
