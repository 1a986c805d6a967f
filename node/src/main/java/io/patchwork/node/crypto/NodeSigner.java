package io.patchwork.node.crypto;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

/**
 * A node's signing identity: its certificate (as the Fabric {@code SerializedIdentity} others
 * check) and its private key. The certificate can be replaced by a renewal for the same key while
 * the node runs ({@link #renew}); signatures made before and after verify with the same key.
 *
 * <p>Signatures are ECDSA over SHA-256, DER-encoded, with low S as Fabric requires, and
 * deterministic (RFC 6979), so a node needs no randomness to sign. Thread-safe.
 */
public final class NodeSigner {
  private final String mspId;
  private final ECPrivateKeyParameters key;
  private volatile Held held;

  /** The certificate in use and its serialized identity, replaced together. */
  private record Held(X509Certificate certificate, ByteString serializedIdentity) {}

  private NodeSigner(String mspId, X509Certificate certificate, ECPrivateKeyParameters key) {
    this.mspId = mspId;
    this.key = key;
    this.held = held(mspId, certificate);
  }

  private static Held held(String mspId, X509Certificate certificate) {
    return new Held(
        certificate,
        SerializedIdentity.newBuilder()
            .setMspid(mspId)
            .setIdBytes(ByteString.copyFrom(pem(certificate), StandardCharsets.US_ASCII))
            .build()
            .toByteString());
  }

  /**
   * Signs from now on as {@code renewed}: a renewal of the certificate for the same key.
   *
   * @throws IllegalArgumentException if it certifies another key
   */
  public void renew(X509Certificate renewed) {
    Objects.requireNonNull(renewed, "renewed");
    if (!Arrays.equals(
        renewed.getPublicKey().getEncoded(), held.certificate().getPublicKey().getEncoded())) {
      throw new IllegalArgumentException(
          "the renewed certificate certifies another key than " + mspId + "'s signing key");
    }
    held = held(mspId, renewed);
  }

  /**
   * A signer for the member {@code mspId} holding {@code certificate} and its EC {@code key}.
   *
   * @throws IllegalArgumentException if the key is not an EC private key
   */
  public static NodeSigner of(String mspId, X509Certificate certificate, PrivateKey key) {
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    try {
      if (PrivateKeyFactory.createKey(key.getEncoded()) instanceof ECPrivateKeyParameters ec) {
        return new NodeSigner(mspId, certificate, ec);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("private key cannot be read", e);
    }
    throw new IllegalArgumentException("private key is not an EC key");
  }

  public String mspId() {
    return mspId;
  }

  /** The certificate in use now. */
  public X509Certificate certificate() {
    return held.certificate();
  }

  /** The Fabric {@code SerializedIdentity} (MSP id and PEM certificate in use now), encoded. */
  public ByteString serializedIdentity() {
    return held.serializedIdentity();
  }

  /** Signs SHA-256 of {@code message}. */
  public byte[] sign(byte[] message) {
    return signDigest(sha256(message));
  }

  /**
   * Signs a SHA-256 digest computed by the caller (as the Fabric Gateway client's {@code Signer}
   * does): deterministic ECDSA (RFC 6979) with low S, DER-encoded.
   */
  public byte[] signDigest(byte[] digest) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, key);
    BigInteger[] rs = signer.generateSignature(digest);
    BigInteger n = key.getParameters().getN();
    BigInteger s = rs[1];
    if (s.compareTo(n.shiftRight(1)) > 0) {
      s = n.subtract(s);
    }
    ASN1EncodableVector v = new ASN1EncodableVector(2);
    v.add(new ASN1Integer(rs[0]));
    v.add(new ASN1Integer(s));
    try {
      return new DERSequence(v).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of a signature failed", e);
    }
  }

  /** Signs the concatenation of the parts, as Fabric does for block and header signatures. */
  public byte[] sign(ByteString... parts) {
    ByteString all = ByteString.EMPTY;
    for (ByteString part : parts) {
      all = all.concat(part);
    }
    return sign(all.toByteArray());
  }

  private static byte[] sha256(byte[] message) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(message);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String pem(X509Certificate certificate) {
    try {
      StringWriter out = new StringWriter();
      out.write("-----BEGIN CERTIFICATE-----\n");
      out.write(
          Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(certificate.getEncoded()));
      out.write("\n-----END CERTIFICATE-----\n");
      return out.toString();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
  }
}
