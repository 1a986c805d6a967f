package io.patchwork.governance;

/** Where a proposal stands, in the vocabulary AWS Managed Blockchain users know. */
public enum ProposalStatus {
  /** Open for votes; the outcome can still go either way. */
  IN_PROGRESS,
  /** Enough members voted yes; its action is to be carried out. */
  APPROVED,
  /** Enough members voted no that it can no longer pass. */
  REJECTED,
  /** Its duration ended without a decision. */
  EXPIRED,
  /** Approved, but its action could not be carried out; see the proposal's failure reason. */
  ACTION_FAILED;

  /** Whether votes are still taken. */
  public boolean open() {
    return this == IN_PROGRESS;
  }
}
