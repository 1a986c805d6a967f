package io.patchwork.benchmarks.crypto;

import com.google.protobuf.ByteString;
import io.patchwork.ca.BenchAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Role;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two signature operations every transaction pays several times (issue #3): a node signing (an
 * endorsement, a client's proposal or envelope) and a signature verified without the cache (a
 * node's key already decoded, as it is after the first block). One thread; P-256 with SHA-256 on
 * Bouncy Castle, as the nodes run it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgs = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class SignatureBenchmark {
  /** About the size of a transfer's proposal response payload. */
  private static final int MESSAGE_BYTES = 2_048;

  private NodeSigner signer;
  private PublicKey publicKey;
  private SignatureVerifier uncached;
  private ByteString message;
  private ByteString signature;
  private byte[] digest;

  @Setup
  public void signer() throws Exception {
    try (BenchAuthority authority = new BenchAuthority("bench")) {
      IssuedCredential peer =
          authority
              .authority()
              .issueWithNewKey(
                  CertificateRequest.signing("peer0", Role.PEER, "Bank A", "BankAMSP"));
      signer = NodeSigner.of("BankAMSP", peer.certificate().certificate(), peer.privateKey());
      publicKey = peer.certificate().certificate().getPublicKey();
    }
    byte[] bytes = new byte[MESSAGE_BYTES];
    new SecureRandom().nextBytes(bytes);
    message = ByteString.copyFrom(bytes);
    signature = ByteString.copyFrom(signer.sign(bytes));
    digest = new byte[32];
    new SecureRandom().nextBytes(digest);
    uncached = new SignatureVerifier(0);
    if (!uncached.verify(publicKey, message, signature)) {
      throw new IllegalStateException("the benchmark's own signature does not verify");
    }
  }

  @Benchmark
  public byte[] signDigest() {
    return signer.signDigest(digest);
  }

  @Benchmark
  public boolean verifyWithoutCache() {
    return uncached.verify(publicKey, message, signature);
  }
}
