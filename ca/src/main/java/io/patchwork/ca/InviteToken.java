package io.patchwork.ca;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The secret that redeems an invite: 256 random bits, written {@code pwi_} followed by 43 base64url
 * characters. It is shown once, when the invite is made; the authority stores only its SHA-256
 * hash. {@link #toString()} is redacted so the token cannot reach a log by accident.
 */
public final class InviteToken {
  static final String PREFIX = "pwi_";
  private static final Pattern FORMAT = Pattern.compile("pwi_[A-Za-z0-9_-]{43}");

  private final String value;

  private InviteToken(String value) {
    this.value = value;
  }

  /**
   * A token as the member received it.
   *
   * @throws CaException {@link CaError#INVITE_NOT_FOUND} if it is not of the token format; the
   *     message does not repeat it
   */
  public static InviteToken parse(String value) throws CaException {
    Objects.requireNonNull(value, "value");
    if (!FORMAT.matcher(value).matches()) {
      throw new CaException(
          CaError.INVITE_NOT_FOUND, "the invite token is not a Patchwork invite token");
    }
    return new InviteToken(value);
  }

  static InviteToken of(String value) {
    return new InviteToken(value);
  }

  /** The token itself, to hand to the invited member once. Never log it. */
  public String reveal() {
    return value;
  }

  /** The lower-case hex SHA-256 of the token, which is all the authority stores. */
  String hash() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof InviteToken that
        && MessageDigest.isEqual(
            value.getBytes(StandardCharsets.US_ASCII),
            that.value.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "InviteToken[redacted]";
  }
}
