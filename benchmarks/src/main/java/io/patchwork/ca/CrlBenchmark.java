package io.patchwork.ca;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to produce a CRL with 10,000 revoked entries. Target (issue #2): at most 500 ms.
 *
 * <ul>
 *   <li>{@code signCrlWith10kEntries}: building and signing the CRL alone.
 *   <li>{@code revokeOneMoreWith10kEntries}: the whole revocation path — mark one more certificate
 *       revoked, read the 10,000 entries back from the store, sign, store, commit.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgs = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class CrlBenchmark {
  static final int REVOKED = 10_000;

  @State(Scope.Benchmark)
  public static class TenThousandRevoked {
    BenchAuthority authority;
    Authority ca;
    X509Factory factory;
    KeyPair issuerKey;
    X509Certificate issuer;
    List<X509Factory.RevokedEntry> entries;
    final List<BigInteger> spare = new ArrayList<>();
    BigInteger nextToRevoke;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      authority = new BenchAuthority("crl");
      ca = (Authority) authority.ca;
      SecureRandom random = new SecureRandom();
      factory = new X509Factory(random);
      issuerKey = Keys.newP256(random);
      issuer =
          factory.root(
              issuerKey.getPublic(),
              issuerKey.getPrivate(),
              new org.bouncycastle.asn1.x500.X500Name("CN=bench issuer"),
              Instant.now(),
              Instant.now().plusSeconds(86_400));
      List<BigInteger> serials = new ArrayList<>(REVOKED);
      for (int issued = 0; issued < REVOKED; issued += Authority.MAX_BATCH) {
        List<CertificateRequest> requests = new ArrayList<>();
        for (int i = issued; i < issued + Authority.MAX_BATCH; i++) {
          requests.add(CertificateRequest.signing("m" + i, Role.CLIENT, "Bench Org", "BenchMSP"));
        }
        ca.issueWithNewKeys(requests)
            .forEach(credential -> serials.add(credential.certificate().serial()));
      }
      ca.revoke(serials, RevocationReason.CESSATION_OF_OPERATION);
      Instant now = Instant.now();
      entries =
          serials.stream()
              .map(s -> new X509Factory.RevokedEntry(s, now, RevocationReason.KEY_COMPROMISE))
              .toList();
    }

    @Setup(Level.Invocation)
    public void prepareOneMore() throws CaException {
      if (spare.isEmpty()) {
        List<CertificateRequest> requests = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          requests.add(CertificateRequest.signing("s" + i, Role.CLIENT, "Bench Org", "BenchMSP"));
        }
        ca.issueWithNewKeys(requests).forEach(c -> spare.add(c.certificate().serial()));
      }
      nextToRevoke = spare.remove(spare.size() - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      authority.close();
    }
  }

  @Benchmark
  public X509CRL signCrlWith10kEntries(TenThousandRevoked state) throws CaException {
    Instant now = Instant.now();
    return state.factory.crl(
        state.issuerKey.getPrivate(),
        state.issuer,
        BigInteger.TWO,
        now,
        now.plusSeconds(3600),
        state.entries);
  }

  @Benchmark
  public IssuedCertificate revokeOneMoreWith10kEntries(TenThousandRevoked state)
      throws CaException {
    return state.ca.revoke(state.nextToRevoke, RevocationReason.KEY_COMPROMISE);
  }
}
