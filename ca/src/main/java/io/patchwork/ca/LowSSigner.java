package io.patchwork.ca;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECKey;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;

/**
 * An ECDSA content signer whose signatures have a low S (at most half the curve order), the only
 * form Fabric's MSP accepts on a certificate or CRL: ECDSA's (r, s) and (r, n − s) verify alike,
 * and Fabric's BCCSP turns away the high one to rule out malleated copies. Other keys' signatures
 * pass through unchanged. Not thread-safe, like the signer it wraps.
 */
final class LowSSigner implements ContentSigner {
  private final ContentSigner signer;
  private final BigInteger order;

  private LowSSigner(ContentSigner signer, BigInteger order) {
    this.signer = signer;
    this.order = order;
  }

  /** {@code signer}, made low-S when {@code key} is an EC key. */
  static ContentSigner of(ContentSigner signer, PrivateKey key) {
    if (key instanceof ECKey ec) {
      return new LowSSigner(signer, ec.getParams().getOrder());
    }
    return signer;
  }

  @Override
  public AlgorithmIdentifier getAlgorithmIdentifier() {
    return signer.getAlgorithmIdentifier();
  }

  @Override
  public OutputStream getOutputStream() {
    return signer.getOutputStream();
  }

  @Override
  public byte[] getSignature() {
    byte[] signature = signer.getSignature();
    BigInteger s = s(signature);
    if (s.compareTo(order.shiftRight(1)) <= 0) {
      return signature;
    }
    ASN1Sequence rs = ASN1Sequence.getInstance(signature);
    try {
      return new DERSequence(
              new ASN1Integer[] {
                ASN1Integer.getInstance(rs.getObjectAt(0)), new ASN1Integer(order.subtract(s))
              })
          .getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of a signature failed", e);
    }
  }

  private static BigInteger s(byte[] derSignature) {
    return ASN1Integer.getInstance(ASN1Sequence.getInstance(derSignature).getObjectAt(1))
        .getValue();
  }
}
