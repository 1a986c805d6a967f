package io.patchwork.benchmarks.manager;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.hyperledger.fabric.client.Contract;

/**
 * What a steady load saw, one {@link Outcome} per transaction, and the figures the benchmarks
 * report from it: latency percentiles, the longest gap between commits, the first commit of a
 * transaction submitted after a moment, and every failure by its kind.
 */
final class Outcomes {
  /** The outcome of a transaction that committed VALID. */
  static final String VALID = "VALID";

  /**
   * One transaction as the application saw it: submitted and answered on one clock (nanoseconds),
   * and its result: {@value #VALID}, "invalid CODE" or the exception's kind.
   */
  record Outcome(String id, long submitted, long answered, String result) {
    boolean valid() {
      return result.equals(VALID);
    }

    /** One line of text, as a load process hands it over. */
    String line() {
      return id + " " + submitted + " " + answered + " " + result;
    }

    static Outcome parse(String line) {
      String[] parts = line.split(" ", 4);
      return new Outcome(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts[3]);
    }
  }

  /**
   * Records obligation {@code id} of {@code debtor} to {@code creditor} (5 EUR) and waits for its
   * commit; {@code offered} is when the load offered it, on {@code clock} (a transaction that waits
   * for a free worker counts the wait). Never throws: a failure is the outcome's result.
   */
  static Outcome record(
      Contract obligations,
      String id,
      String debtor,
      String creditor,
      long offered,
      LongSupplier clock) {
    return submit(obligations, id, offered, clock, "record", id, debtor, creditor, "EUR", "5");
  }

  /**
   * Submits {@code function} with {@code arguments} as the outcome {@code id} and waits for its
   * commit, as {@link #record} does. Never throws: a failure is the outcome's result.
   */
  static Outcome submit(
      Contract contract,
      String id,
      long offered,
      LongSupplier clock,
      String function,
      String... arguments) {
    String result;
    try {
      var commit =
          contract.newProposal(function).addArguments(arguments).build().endorse().submitAsync();
      var status = commit.getStatus();
      result = status.isSuccessful() ? VALID : "invalid " + status.getCode();
    } catch (Exception e) {
      String status =
          e instanceof StatusRuntimeException grpc
              ? grpc.getStatus().getCode().name()
              : e.getCause() instanceof StatusRuntimeException grpc
                  ? grpc.getStatus().getCode().name()
                  : "";
      result = e.getClass().getSimpleName() + (status.isEmpty() ? "" : " " + status);
    }
    return new Outcome(id, offered, clock.getAsLong(), result);
  }

  /**
   * How many transactions that committed VALID the ledger does not hold now, asked 64 at a time (a
   * peer a delayed round trip away answers one evaluation per round trip).
   */
  long missing(Contract obligations) throws InterruptedException {
    ExecutorService askers = Executors.newFixedThreadPool(64);
    try {
      List<Future<Boolean>> found = new ArrayList<>();
      for (Outcome outcome : valid) {
        found.add(
            askers.submit(
                () -> {
                  try {
                    obligations.evaluateTransaction("get", outcome.id());
                    return true;
                  } catch (Exception e) {
                    return false;
                  }
                }));
      }
      long missing = 0;
      for (Future<Boolean> answer : found) {
        try {
          missing += answer.get() ? 0 : 1;
        } catch (ExecutionException e) {
          missing++;
        }
      }
      return missing;
    } finally {
      askers.shutdownNow();
    }
  }

  private final List<Outcome> all;
  private final List<Outcome> valid;

  Outcomes(Collection<Outcome> outcomes) {
    all = List.copyOf(outcomes);
    valid =
        all.stream()
            .filter(Outcome::valid)
            .sorted(Comparator.comparingLong(Outcome::answered))
            .toList();
  }

  List<Outcome> all() {
    return all;
  }

  /** The committed ones, in the order they were answered. */
  List<Outcome> valid() {
    return valid;
  }

  /** Failed transactions by kind; empty when none failed. */
  Map<String, Integer> failures() {
    Map<String, Integer> failures = new TreeMap<>();
    all.stream().filter(o -> !o.valid()).forEach(o -> failures.merge(o.result(), 1, Integer::sum));
    return failures;
  }

  /** The longest time between two successive commits, in nanoseconds. */
  long longestGap() {
    long longest = 0;
    for (int i = 1; i < valid.size(); i++) {
      longest = Math.max(longest, valid.get(i).answered() - valid.get(i - 1).answered());
    }
    return longest;
  }

  /** The first commit of a transaction submitted after {@code moment}. */
  Optional<Outcome> firstCommitSubmittedAfter(long moment) {
    return valid.stream().filter(o -> o.submitted() > moment).findFirst();
  }

  /** The {@code quantile} of committed transactions' latency among {@code which}, milliseconds. */
  double latency(Predicate<Outcome> which, double quantile) {
    List<Long> latencies = new ArrayList<>();
    valid.stream().filter(which).forEach(o -> latencies.add(o.answered() - o.submitted()));
    if (latencies.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(latencies);
    return latencies.get((int) Math.min(latencies.size() - 1, quantile * latencies.size())) / 1e6;
  }

  /** Committed transactions a second between {@code from} and {@code to} (nanoseconds). */
  double committedPerSecond(long from, long to) {
    long committed = valid.stream().filter(o -> o.answered() >= from && o.answered() < to).count();
    return committed / ((to - from) / 1e9);
  }
}
