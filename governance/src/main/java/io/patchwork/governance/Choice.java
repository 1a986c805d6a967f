package io.patchwork.governance;

import java.util.Optional;

/** A vote. Each has a fixed code in the ballot encoding, never its ordinal. */
public enum Choice {
  YES(1),
  NO(2);

  private final int code;

  Choice(int code) {
    this.code = code;
  }

  /** The choice's byte in {@link Ballot#signedBytes}. */
  public int code() {
    return code;
  }

  /** The choice with this code, if any. */
  public static Optional<Choice> of(int code) {
    for (Choice choice : values()) {
      if (choice.code == code) {
        return Optional.of(choice);
      }
    }
    return Optional.empty();
  }
}
