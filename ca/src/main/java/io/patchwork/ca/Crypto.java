package io.patchwork.ca;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one cryptographic provider the authority signs, verifies and generates keys with. Bouncy
 * Castle is used as an instance, never registered globally, so the authority changes nothing for
 * the rest of the process. On Java 17 its ECDSA P-256 is 2–5 times faster than the JDK's (sign
 * about 0.3 ms against 0.7 ms, verify 0.25 ms against 1.3 ms on the benchmark machine), and CSR
 * checks plus certificate signing are the cost of issuance.
 */
final class Crypto {
  static final Provider PROVIDER = new BouncyCastleProvider();

  private Crypto() {}
}
