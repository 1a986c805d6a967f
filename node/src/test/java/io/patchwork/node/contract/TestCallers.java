package io.patchwork.node.contract;

import io.patchwork.ca.Role;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Callers for contract tests: a throwaway self-signed certificate per organisation and role. */
final class TestCallers {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static int transactions;

  private TestCallers() {}

  static Caller caller(String mspId, Role role) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair keys = generator.generateKeyPair();
      X500Name name = new X500Name("CN=" + role.name().toLowerCase() + ",O=" + mspId);
      var holder =
          new JcaX509v3CertificateBuilder(
                  name,
                  BigInteger.ONE,
                  Date.from(NOW.minusSeconds(3600)),
                  Date.from(NOW.plusSeconds(3600)),
                  name,
                  keys.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
      return new Caller(mspId, certificate, role);
    } catch (Exception e) {
      throw new IllegalStateException("test certificate", e);
    }
  }

  static synchronized TxContext tx(Caller caller) {
    transactions++;
    return new TxContext("trade", "tx-" + transactions, NOW.plusSeconds(transactions), caller);
  }
}
