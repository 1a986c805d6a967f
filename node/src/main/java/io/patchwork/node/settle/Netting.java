package io.patchwork.node.settle;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Multilateral net settlement of one asset: from gross obligations between members to each member's
 * net position and the transfers that settle them.
 *
 * <p>Exact arithmetic throughout ({@link BigInteger}). Positions sum to zero. The transfers move
 * exactly the sum of the positive positions — the least any settlement can move — and number at
 * most n − 1 for n members with a non-zero position. Fewer transfers come from splitting members
 * into groups whose positions sum to zero: each group of k members settles in k − 1 transfers.
 * Finding the most groups is NP-hard; up to {@value #EXACT_LIMIT} members with a non-zero position
 * the split is exact (dynamic programming over subsets), beyond that a heuristic: members whose
 * positions cancel exactly are paired first, the rest are settled largest debtor to largest
 * creditor.
 */
public final class Netting {
  /** Most members with a non-zero position for which the fewest transfers are searched exactly. */
  public static final int EXACT_LIMIT = 18;

  private Netting() {}

  /** An obligation: {@code debtor} owes {@code creditor} a positive {@code amount}. */
  public record Obligation(String debtor, String creditor, BigInteger amount) {
    public Obligation {
      Objects.requireNonNull(debtor, "debtor");
      Objects.requireNonNull(creditor, "creditor");
      Objects.requireNonNull(amount, "amount");
      if (amount.signum() <= 0) {
        throw new IllegalArgumentException("an obligation's amount is positive");
      }
      if (debtor.equals(creditor)) {
        throw new IllegalArgumentException(debtor + " cannot owe itself");
      }
    }
  }

  /** One settlement transfer. */
  public record Transfer(String from, String to, BigInteger amount) {}

  /** The outcome: net positions (positive: to receive), transfers, and how much netting saved. */
  public record Settlement(
      Map<String, BigInteger> positions,
      List<Transfer> transfers,
      BigInteger grossVolume,
      BigInteger netMoved,
      boolean exact) {
    public Settlement {
      positions = Map.copyOf(positions);
      transfers = List.copyOf(transfers);
    }

    /** Gross volume over the amount the transfers move (1 when nothing nets out). */
    public java.math.BigDecimal nettingRatio() {
      if (netMoved.signum() == 0) {
        return java.math.BigDecimal.ONE;
      }
      return new java.math.BigDecimal(grossVolume)
          .divide(new java.math.BigDecimal(netMoved), 6, java.math.RoundingMode.HALF_EVEN);
    }
  }

  /** Net positions: what each member receives (positive) or pays (negative) overall. */
  public static Map<String, BigInteger> positions(Iterable<Obligation> obligations) {
    Map<String, BigInteger> positions = new TreeMap<>();
    for (Obligation obligation : obligations) {
      positions.merge(obligation.creditor(), obligation.amount(), BigInteger::add);
      positions.merge(obligation.debtor(), obligation.amount().negate(), BigInteger::add);
    }
    return positions;
  }

  /** Settles the obligations. */
  public static Settlement settle(List<Obligation> obligations) {
    BigInteger gross = BigInteger.ZERO;
    for (Obligation obligation : obligations) {
      gross = gross.add(obligation.amount());
    }
    Map<String, BigInteger> positions = positions(obligations);
    return settlePositions(positions, gross);
  }

  /** Settles given net positions (which must sum to zero). */
  public static Settlement settlePositions(Map<String, BigInteger> positions, BigInteger gross) {
    List<String> members = new ArrayList<>();
    BigInteger sum = BigInteger.ZERO;
    BigInteger moved = BigInteger.ZERO;
    for (Map.Entry<String, BigInteger> position : new TreeMap<>(positions).entrySet()) {
      sum = sum.add(position.getValue());
      if (position.getValue().signum() != 0) {
        members.add(position.getKey());
      }
      if (position.getValue().signum() > 0) {
        moved = moved.add(position.getValue());
      }
    }
    if (sum.signum() != 0) {
      throw new IllegalArgumentException("positions sum to " + sum + ", not zero");
    }
    List<List<String>> groups;
    boolean exact = members.size() <= EXACT_LIMIT;
    groups = exact ? exactGroups(members, positions) : heuristicGroups(members, positions);
    List<Transfer> transfers = new ArrayList<>();
    for (List<String> group : groups) {
      transfers.addAll(greedy(group, positions));
    }
    return new Settlement(positions, transfers, gross, moved, exact);
  }

  /** Largest debtor pays largest creditor until the group is settled: at most k − 1 transfers. */
  private static List<Transfer> greedy(List<String> group, Map<String, BigInteger> positions) {
    Map<String, BigInteger> left = new LinkedHashMap<>();
    group.forEach(member -> left.put(member, positions.get(member)));
    List<Transfer> transfers = new ArrayList<>();
    while (true) {
      String debtor = null;
      String creditor = null;
      for (Map.Entry<String, BigInteger> entry : left.entrySet()) {
        BigInteger value = entry.getValue();
        if (value.signum() < 0 && (debtor == null || value.compareTo(left.get(debtor)) < 0)) {
          debtor = entry.getKey();
        }
        if (value.signum() > 0 && (creditor == null || value.compareTo(left.get(creditor)) > 0)) {
          creditor = entry.getKey();
        }
      }
      if (debtor == null || creditor == null) {
        return transfers;
      }
      BigInteger amount = left.get(debtor).negate().min(left.get(creditor));
      transfers.add(new Transfer(debtor, creditor, amount));
      left.put(debtor, left.get(debtor).add(amount));
      left.put(creditor, left.get(creditor).subtract(amount));
    }
  }

  /**
   * The most zero-sum groups, exactly: best[mask] is the most groups the members of {@code mask}
   * split into, for masks summing to zero; a mask that sums to zero adds one group to the best of
   * itself without one member.
   */
  private static List<List<String>> exactGroups(
      List<String> members, Map<String, BigInteger> positions) {
    int n = members.size();
    if (n == 0) {
      return List.of();
    }
    int full = (1 << n) - 1;
    BigInteger[] sums = new BigInteger[1 << n];
    sums[0] = BigInteger.ZERO;
    int[] best = new int[1 << n];
    int[] from = new int[1 << n];
    for (int mask = 1; mask <= full; mask++) {
      int low = Integer.numberOfTrailingZeros(mask);
      sums[mask] = sums[mask & (mask - 1)].add(positions.get(members.get(low)));
      int bestHere = -1;
      int via = 0;
      for (int bits = mask; bits != 0; bits &= bits - 1) {
        int without = mask & ~Integer.lowestOneBit(bits);
        if (best[without] > bestHere) {
          bestHere = best[without];
          via = without;
        }
      }
      best[mask] = bestHere + (sums[mask].signum() == 0 ? 1 : 0);
      from[mask] = via;
    }
    // Walk back: a group closes wherever the running mask sums to zero.
    List<List<String>> groups = new ArrayList<>();
    int mask = full;
    List<String> current = new ArrayList<>();
    while (mask != 0) {
      int previous = from[mask];
      int added = mask & ~previous;
      current.add(members.get(Integer.numberOfTrailingZeros(added)));
      if (sums[previous].signum() == 0) {
        groups.add(current);
        current = new ArrayList<>();
      }
      mask = previous;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  /** Exact opposites pair up; everyone else forms one group. */
  private static List<List<String>> heuristicGroups(
      List<String> members, Map<String, BigInteger> positions) {
    Map<BigInteger, List<String>> byAmount = new TreeMap<>();
    List<List<String>> groups = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    List<String> sorted = new ArrayList<>(members);
    sorted.sort(Comparator.naturalOrder());
    for (String member : sorted) {
      BigInteger value = positions.get(member);
      List<String> opposite = byAmount.get(value.negate());
      if (opposite != null && !opposite.isEmpty()) {
        groups.add(List.of(opposite.remove(opposite.size() - 1), member));
      } else {
        byAmount.computeIfAbsent(value, v -> new ArrayList<>()).add(member);
      }
    }
    byAmount.values().forEach(rest::addAll);
    if (!rest.isEmpty()) {
      groups.add(rest);
    }
    return groups;
  }
}
