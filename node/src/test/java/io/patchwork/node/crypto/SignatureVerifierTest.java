package io.patchwork.node.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.hyperledger.fabric.client.identity.Signers;
import org.junit.jupiter.api.Test;

class SignatureVerifierTest {
  private static final byte[] MESSAGE = "proposal bytes".getBytes(StandardCharsets.UTF_8);

  @Test
  void a_signature_from_the_fabric_gateway_client_verifies() throws Exception {
    KeyPair key = p256();
    byte[] signature = fabricSign(key, MESSAGE);

    assertThat(new SignatureVerifier(100).verify(key.getPublic(), MESSAGE, signature)).isTrue();
  }

  @Test
  void another_message_another_key_or_a_damaged_signature_does_not_verify() throws Exception {
    KeyPair key = p256();
    byte[] signature = fabricSign(key, MESSAGE);
    SignatureVerifier verifier = new SignatureVerifier(100);
    byte[] damaged = signature.clone();
    damaged[damaged.length - 1] ^= 0x01;

    assertThat(
            verifier.verify(key.getPublic(), "other".getBytes(StandardCharsets.UTF_8), signature))
        .isFalse();
    assertThat(verifier.verify(p256().getPublic(), MESSAGE, signature)).isFalse();
    assertThat(verifier.verify(key.getPublic(), MESSAGE, damaged)).isFalse();
    assertThat(verifier.verify(key.getPublic(), MESSAGE, new byte[] {0x30, 0x00})).isFalse();
    assertThat(verifier.verify(key.getPublic(), MESSAGE, new byte[0])).isFalse();
  }

  @Test
  void a_high_s_signature_is_refused_as_fabric_refuses_it() throws Exception {
    KeyPair key = p256();
    byte[] low = fabricSign(key, MESSAGE);
    ASN1Sequence sequence = ASN1Sequence.getInstance(low);
    BigInteger r = ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue();
    BigInteger s = ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue();
    BigInteger order = ((ECPublicKey) key.getPublic()).getParams().getOrder();
    byte[] high =
        new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(order.subtract(s))})
            .getEncoded();

    // The high-S twin is a valid ECDSA signature for the JDK, but not for a Fabric peer.
    Signature jdk = Signature.getInstance("SHA256withECDSA");
    jdk.initVerify(key.getPublic());
    jdk.update(MESSAGE);
    assertThat(jdk.verify(high)).isTrue();
    assertThat(new SignatureVerifier(100).verify(key.getPublic(), MESSAGE, high)).isFalse();
  }

  @Test
  void the_cache_never_changes_a_result() throws Exception {
    SecureRandom random = new SecureRandom();
    List<Object[]> cases = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      KeyPair key = p256();
      byte[] message = new byte[32];
      random.nextBytes(message);
      byte[] signature = fabricSign(key, message);
      switch (i % 4) {
        case 0 -> cases.add(new Object[] {key, message, signature});
        case 1 -> {
          byte[] otherMessage = message.clone();
          otherMessage[0] ^= 1;
          cases.add(new Object[] {key, otherMessage, signature});
        }
        case 2 -> cases.add(new Object[] {p256(), message, signature});
        default -> {
          byte[] damaged = signature.clone();
          damaged[damaged.length - 2] ^= 1;
          cases.add(new Object[] {key, message, damaged});
        }
      }
    }
    SignatureVerifier cached = new SignatureVerifier(1000);

    for (int pass = 0; pass < 2; pass++) {
      for (Object[] c : cases) {
        KeyPair key = (KeyPair) c[0];
        byte[] message = (byte[]) c[1];
        byte[] signature = (byte[]) c[2];
        assertThat(cached.verify(key.getPublic(), message, signature))
            .isEqualTo(SignatureVerifier.verifyUncached(key.getPublic(), message, signature));
      }
    }
    assertThat(cached.cacheHits()).isEqualTo(10);
    assertThat(cached.cacheMisses()).isEqualTo(70);
  }

  @Test
  void the_cache_keeps_at_most_its_capacity() throws Exception {
    SignatureVerifier verifier = new SignatureVerifier(2);
    KeyPair key = p256();
    List<byte[]> messages = List.of(bytes("a"), bytes("b"), bytes("c"));
    List<byte[]> signatures = new ArrayList<>();
    for (byte[] message : messages) {
      signatures.add(fabricSign(key, message));
      verifier.verify(key.getPublic(), message, signatures.get(signatures.size() - 1));
    }

    verifier.verify(key.getPublic(), messages.get(2), signatures.get(2));
    verifier.verify(key.getPublic(), messages.get(0), signatures.get(0));

    assertThat(verifier.cacheHits()).isEqualTo(1);
    assertThat(verifier.cacheMisses()).isEqualTo(4);
  }

  private static byte[] fabricSign(KeyPair key, byte[] message) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(message);
    return Signers.newPrivateKeySigner(key.getPrivate()).sign(digest);
  }

  private static KeyPair p256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
