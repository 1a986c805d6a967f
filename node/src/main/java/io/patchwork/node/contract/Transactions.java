package io.patchwork.node.contract;

/** Where a contract registers its transaction functions by name. */
public interface Transactions {
  /** A function that may write: its read/write set is endorsed, ordered and committed. */
  Transactions submit(String function, TransactionFunction implementation);

  /** A read-only function, for queries; a write in it fails the call. */
  Transactions evaluate(String function, TransactionFunction implementation);
}
