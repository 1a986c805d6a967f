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
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekNewest;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.hyperledger.fabric.protos.orderer.SeekSpecified;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orderers' Deliver service as Fabric's clients use it. */
@Tag("cluster")
class OrdererDeliverTest {
  @TempDir Path directory;

  @Test
  void seek_after_seek_on_one_call_are_each_answered_as_fabric_orderers_answer_them()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(2).orderers(1).blocks(100, Duration.ofMillis(20)),
        cluster -> {
          Cluster.Client admin = cluster.admin("BankAMSP");
          cluster.token(admin).submitTransaction("issue", "BankAMSP", "3");
          NodeSigner signer = Cluster.signer(admin);
          BlockingQueue<DeliverResponse> answers = new LinkedBlockingQueue<>();
          CountDownLatch ended = new CountDownLatch(1);
          StreamObserver<Envelope> requests =
              AtomicBroadcastGrpc.newStub(cluster.ordererChannel(admin, "orderer0"))
                  .deliver(
                      new StreamObserver<>() {
                        @Override
                        public void onNext(DeliverResponse answer) {
                          answers.add(answer);
                        }

                        @Override
                        public void onError(Throwable failure) {
                          ended.countDown();
                        }

                        @Override
                        public void onCompleted() {
                          ended.countDown();
                        }
                      });
          // As `peer channel fetch config` does: the newest block, then the one it names.
          SeekPosition newest =
              SeekPosition.newBuilder().setNewest(SeekNewest.getDefaultInstance()).build();
          requests.onNext(seek(signer, newest, newest));
          DeliverResponse first = next(answers);
          assertThat(first.hasBlock()).isTrue();
          assertThat(next(answers).getStatus()).isEqualTo(Status.SUCCESS);
          assertThat(ended.getCount()).as("the call stays open for the next seek").isOne();
          SeekPosition zero =
              SeekPosition.newBuilder()
                  .setSpecified(SeekSpecified.newBuilder().setNumber(0))
                  .build();
          requests.onNext(seek(signer, zero, zero));
          assertThat(next(answers).getBlock().getHeader().getNumber()).isZero();
          assertThat(next(answers).getStatus()).isEqualTo(Status.SUCCESS);
          requests.onCompleted();
          assertThat(ended.await(10, TimeUnit.SECONDS)).as("ended once the client closed").isTrue();
          assertThat(answers).isEmpty();
        });
  }

  private static DeliverResponse next(BlockingQueue<DeliverResponse> answers)
      throws InterruptedException {
    DeliverResponse answer = answers.poll(10, TimeUnit.SECONDS);
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
