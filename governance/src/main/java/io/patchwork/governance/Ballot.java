package io.patchwork.governance;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;

/**
 * One member organisation's vote on one proposal, signed by one of its admins.
 *
 * <p>The signature covers {@link #signedBytes}, a canonical encoding of the ledger id, proposal id,
 * voting organisation, choice and time, so a ballot cannot be moved to another proposal or ledger,
 * turned into the other choice or re-dated. Layout, version 1 (integers big-endian, strings UTF-8
 * each preceded by its byte length as a 4-byte integer):
 *
 * <pre>
 * string  "patchwork.ballot.v1"
 * string  ledger id
 * string  proposal id
 * string  voter MSP id
 * byte    choice code (YES = 1, NO = 2)
 * int64   cast at, milliseconds since the epoch
 * </pre>
 *
 * The signature is ECDSA over SHA-256 ({@code SHA256withECDSA}, DER-encoded) by the key of {@code
 * signerCertificate} (DER).
 */
public record Ballot(
    String ledgerId,
    String proposalId,
    String voterMspId,
    Choice choice,
    Instant castAt,
    byte[] signerCertificate,
    byte[] signature) {

  static final String DOMAIN = "patchwork.ballot.v1";
  private static final String ALGORITHM = "SHA256withECDSA";

  public Ballot {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(proposalId, "proposalId");
    Objects.requireNonNull(voterMspId, "voterMspId");
    Objects.requireNonNull(choice, "choice");
    Objects.requireNonNull(castAt, "castAt");
    castAt = castAt.truncatedTo(ChronoUnit.MILLIS);
    signerCertificate = Objects.requireNonNull(signerCertificate, "signerCertificate").clone();
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  /** Signs a ballot with an admin's certificate and private key. */
  public static Ballot sign(
      String ledgerId,
      String proposalId,
      String voterMspId,
      Choice choice,
      Instant castAt,
      X509Certificate admin,
      PrivateKey key) {
    try {
      return sign(ledgerId, proposalId, voterMspId, choice, castAt, admin.getEncoded(), key);
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("the admin certificate cannot be encoded", e);
    }
  }

  /** Signs a ballot with an admin's certificate (DER) and private key. */
  public static Ballot sign(
      String ledgerId,
      String proposalId,
      String voterMspId,
      Choice choice,
      Instant castAt,
      byte[] adminCertificate,
      PrivateKey key) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(key);
      signer.update(signedBytes(ledgerId, proposalId, voterMspId, choice, castAt));
      return new Ballot(
          ledgerId, proposalId, voterMspId, choice, castAt, adminCertificate, signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the admin key cannot sign ECDSA ballots", e);
    }
  }

  /** The bytes an admin signs for this vote (see the class description for the layout). */
  public static byte[] signedBytes(
      String ledgerId, String proposalId, String voterMspId, Choice choice, Instant castAt) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (String part : new String[] {DOMAIN, ledgerId, proposalId, voterMspId}) {
        byte[] utf8 = part.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
      }
      out.writeByte(choice.code());
      out.writeLong(castAt.toEpochMilli());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** This ballot's {@link #signedBytes}. */
  public byte[] signedBytes() {
    return signedBytes(ledgerId, proposalId, voterMspId, choice, castAt);
  }

  /** Whether the signature is by {@code key} over {@link #signedBytes()}. */
  public boolean signedBy(PublicKey key) {
    return verify(key, signedBytes(), signature);
  }

  /** Whether {@code signature} is an ECDSA-over-SHA-256 signature of {@code message} by the key. */
  static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public byte[] signerCertificate() {
    return signerCertificate.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ballot that
        && ledgerId.equals(that.ledgerId)
        && proposalId.equals(that.proposalId)
        && voterMspId.equals(that.voterMspId)
        && choice == that.choice
        && castAt.equals(that.castAt)
        && Arrays.equals(signerCertificate, that.signerCertificate)
        && Arrays.equals(signature, that.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ledgerId, proposalId, voterMspId, choice, castAt)
        + 31 * Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "Ballot["
        + ledgerId
        + "/"
        + proposalId
        + " "
        + voterMspId
        + " "
        + choice
        + " at "
        + castAt
        + "]";
  }
}
