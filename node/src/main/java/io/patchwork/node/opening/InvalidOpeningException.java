package io.patchwork.node.opening;

/** A successor's opening that breaks a rule; the message says which, for the config's refusal. */
public final class InvalidOpeningException extends Exception {
  InvalidOpeningException(String message) {
    super(message);
  }
}
