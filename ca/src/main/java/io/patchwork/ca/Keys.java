package io.patchwork.ca;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** Key generation and key checks. */
final class Keys {
  private Keys() {}

  /** A new ECDSA P-256 key pair. */
  static KeyPair newP256(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Crypto.PROVIDER);
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is required of every Java platform", e);
    }
  }

  /** Whether the private key makes signatures the public key verifies. */
  static boolean matches(PrivateKey privateKey, PublicKey publicKey, SecureRandom random) {
    if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
      String algorithm = X509Factory.signatureAlgorithm(privateKey);
      byte[] challenge = new byte[32];
      random.nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm, Crypto.PROVIDER);
      signer.initSign(privateKey, random);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm, Crypto.PROVIDER);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | CaException e) {
      return false;
    }
  }
}
