package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.patchwork.node.crypto.NodeSigner;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekNewest;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.orderer.SeekSpecified;
import org.hyperledger.fabric.protos.peer.DeliverGrpc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orderers' and the peers' Deliver services as Fabric's clients use them: seek after seek on
 * one call ({@code peer channel fetch config} asks for the newest block, then for the config block
 * it names), each answered with its blocks and SUCCESS, the call ending when the client closes.
 */
@Tag("cluster")
class DeliverSeeksTest {
  @TempDir Path directory;

  /** A Deliver call's answers, each as (block number or -1, status or -1), and its end. */
  private record Call(BlockingQueue<long[]> answers, CountDownLatch ended) {
    Call() {
      this(new LinkedBlockingQueue<>(), new CountDownLatch(1));
    }
  }

  /** Opens a Deliver call on one of the ledger's nodes, its answers going to {@code call}. */
  private interface Opener {
    StreamObserver<Envelope> open(Cluster cluster, Cluster.Client admin, Call call);
  }

  @Test
  void an_orderer_answers_seek_after_seek_on_one_call() throws Exception {
    assertSeeksAnswered(
        (cluster, admin, call) ->
            AtomicBroadcastGrpc.newStub(cluster.ordererChannel(admin, "orderer0"))
                .deliver(
                    observer(
                        call,
                        answer ->
                            answer(
                                answer.hasBlock(), answer.getBlock(), answer.getStatusValue()))));
  }

  @Test
  void a_peer_answers_seek_after_seek_on_one_call() throws Exception {
    assertSeeksAnswered(
        (cluster, admin, call) ->
            DeliverGrpc.newStub(cluster.channel(admin, "peer0"))
                .deliver(
                    observer(
                        call,
                        answer ->
                            answer(
                                answer.hasBlock(), answer.getBlock(), answer.getStatusValue()))));
  }

  private static long[] answer(boolean hasBlock, Block block, int status) {
    return hasBlock ? new long[] {block.getHeader().getNumber(), -1} : new long[] {-1, status};
  }

  private void assertSeeksAnswered(Opener opener) throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(2).orderers(1).blocks(100, Duration.ofMillis(20)),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          cluster.token(admin).submitTransaction("issue", "BankAMSP", "3");
          Call call = new Call();
          assertSeeksAnswered(opener.open(cluster, admin, call), call, Cluster.signer(admin));
        });
  }

  private static <R> StreamObserver<R> observer(Call call, Function<R, long[]> read) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R answer) {
        call.answers().add(read.apply(answer));
      }

      @Override
      public void onError(Throwable failure) {
        call.ended().countDown();
      }

      @Override
      public void onCompleted() {
        call.ended().countDown();
      }
    };
  }

  /** As {@code peer channel fetch config} does: the newest block, then the one it names. */
  private static void assertSeeksAnswered(
      StreamObserver<Envelope> requests, Call call, NodeSigner signer) throws Exception {
    SeekPosition newest =
        SeekPosition.newBuilder().setNewest(SeekNewest.getDefaultInstance()).build();
    requests.onNext(seek(signer, newest, newest));
    assertThat(next(call)[0]).as("the newest block").isEqualTo(1);
    assertThat(next(call)[1]).isEqualTo(Status.SUCCESS_VALUE);
    assertThat(call.ended().getCount()).as("the call stays open for the next seek").isOne();
    SeekPosition zero =
        SeekPosition.newBuilder().setSpecified(SeekSpecified.newBuilder().setNumber(0)).build();
    requests.onNext(seek(signer, zero, zero));
    assertThat(next(call)[0]).isZero();
    assertThat(next(call)[1]).isEqualTo(Status.SUCCESS_VALUE);
    requests.onCompleted();
    assertThat(call.ended().await(10, TimeUnit.SECONDS))
        .as("ended once the client closed")
        .isTrue();
    assertThat(call.answers()).isEmpty();
  }

  private static long[] next(Call call) throws InterruptedException {
    long[] answer = call.answers().poll(10, TimeUnit.SECONDS);
    assertThat(answer).as("an answer within 10 s").isNotNull();
    return answer;
  }

  private static Envelope seek(NodeSigner signer, SeekPosition start, SeekPosition stop) {
    byte[] nonce = new byte[24];
    new SecureRandom().nextBytes(nonce);
    Instant now = Instant.now();
    Payload payload =
        Payload.newBuilder()
            .setHeader(
                Header.newBuilder()
                    .setChannelHeader(
                        ChannelHeader.newBuilder()
                            .setType(HeaderType.DELIVER_SEEK_INFO_VALUE)
                            .setChannelId("trade")
                            .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                            .build()
                            .toByteString())
                    .setSignatureHeader(
                        SignatureHeader.newBuilder()
                            .setCreator(signer.serializedIdentity())
                            .setNonce(ByteString.copyFrom(nonce))
                            .build()
                            .toByteString()))
            .setData(
                SeekInfo.newBuilder()
                    .setStart(start)
                    .setStop(stop)
                    .setBehavior(SeekInfo.SeekBehavior.BLOCK_UNTIL_READY)
                    .build()
                    .toByteString())
            .build();
    ByteString bytes = payload.toByteString();
    return Envelope.newBuilder()
        .setPayload(bytes)
        .setSignature(ByteString.copyFrom(signer.sign(bytes.toByteArray())))
        .build();
  }
}
