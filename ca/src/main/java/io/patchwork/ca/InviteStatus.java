package io.patchwork.ca;

/** Where an invite stands. */
public enum InviteStatus {
  /** It can be redeemed. */
  OPEN,
  /** It was redeemed; it cannot be redeemed again. */
  REDEEMED,
  /** The operator cancelled it. */
  CANCELLED,
  /** Its validity ended before it was redeemed. */
  EXPIRED
}
