package io.patchwork.manager;

import io.patchwork.manager.cli.ClientCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code patchwork} command-line client run in this JVM, as the tests and the across-hosts
 * benchmark drive it.
 */
public final class Cli {
  private Cli() {}

  /** What a run printed and how it ended. */
  public record Result(int exit, String out, String err) {}

  /** Runs {@code args} followed by {@code connection} (--url, --ca-file, --token-file, ...). */
  public static Result run(List<String> connection, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(connection);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        ClientCommand.execute(
            new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }

  /**
   * Runs as {@link #ok}, again while the answer is {@code LEDGER_UNAVAILABLE} — the ledger's
   * orderers electing a leader, say, after a vote changed their Raft group — for at most {@code
   * patience}, as a member's script would retry a 503.
   */
  public static String okWhenOrdering(Duration patience, List<String> connection, String... args)
      throws InterruptedException {
    long until = System.nanoTime() + patience.toNanos();
    Result result = run(connection, args);
    while (result.exit() != 0
        && result.err().contains("LEDGER_UNAVAILABLE")
        && System.nanoTime() < until) {
      Thread.sleep(200);
      result = run(connection, args);
    }
    if (result.exit() != 0) {
      throw new AssertionError(
          String.join(" ", args) + " exited " + result.exit() + ": " + result.err());
    }
    return result.out();
  }

  /** Runs as {@link #run} and fails unless it succeeds; returns what it printed. */
  public static String ok(List<String> connection, String... args) {
    Result result = run(connection, args);
    if (result.exit() != 0) {
      throw new AssertionError(
          String.join(" ", args) + " exited " + result.exit() + ": " + result.err());
    }
    return result.out();
  }
}
