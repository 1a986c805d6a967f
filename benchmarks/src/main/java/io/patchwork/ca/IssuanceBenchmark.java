package io.patchwork.ca;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Certificates issued per second from PKCS#10 CSRs, each one checked (proof of possession, key,
 * subject), signed and committed to the embedded H2 store. Target (issue #2): at least 2,000/s on
 * the 2-core machine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgs = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class IssuanceBenchmark {
  static final int POOL = 4096;
  static final int BATCH = 50;

  /** One authority and a pool of distinct member CSRs made before measuring. */
  @State(Scope.Benchmark)
  public static class Csrs {
    BenchAuthority authority;
    final List<byte[]> csrs = new ArrayList<>(POOL);
    final List<CertificateRequest> requests = new ArrayList<>(POOL);
    final AtomicInteger next = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      authority = new BenchAuthority("bench");
      for (int i = 0; i < POOL; i++) {
        CertificateRequest request =
            CertificateRequest.signing("member-" + i, Role.CLIENT, "Bench Org", "BenchMSP");
        requests.add(request);
        csrs.add(Csr.create(BenchAuthority.newKey(), request));
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      authority.close();
    }
  }

  @Benchmark
  @Threads(1)
  public IssuedCertificate issueFromCsrOneThread(Csrs state) throws CaException {
    return issue(state);
  }

  @Benchmark
  @Threads(2)
  public IssuedCertificate issueFromCsrTwoThreads(Csrs state) throws CaException {
    return issue(state);
  }

  private static IssuedCertificate issue(Csrs state) throws CaException {
    int i = Math.floorMod(state.next.getAndIncrement(), POOL);
    return state.authority.ca.issue(state.csrs.get(i), state.requests.get(i));
  }

  /** A fresh invite per invocation, and 50 peer CSRs handed in with it. */
  @State(Scope.Thread)
  public static class InviteBatch {
    BenchAuthority authority;
    final List<CsrSubmission> submissions = new ArrayList<>(BATCH);
    NewInvite invite;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      authority = new BenchAuthority("batch");
      for (int i = 0; i < BATCH; i++) {
        submissions.add(
            new CsrSubmission(
                CertificateProfile.SIGNING,
                Csr.create(
                    BenchAuthority.newKey(),
                    CertificateRequest.signing("peer-" + i, Role.PEER, "Bench Org", "BenchMSP"))));
      }
    }

    @Setup(Level.Invocation)
    public void newInvite() throws CaException {
      invite =
          authority.ca.invite(
              new InviteScope(
                  "Bench Org", "BenchMSP", Set.of(Role.PEER), BATCH, Duration.ofHours(1)));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      authority.close();
    }
  }

  /**
   * Certificates per second through invite redemption: 50 CSRs checked and issued in one commit.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Redemption redeemInviteWith50Csrs(InviteBatch state) throws CaException {
    return state.authority.ca.redeem(state.invite.token(), state.submissions);
  }
}
