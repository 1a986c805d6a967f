package io.patchwork.node.settle;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class NettingTest {
  private static Netting.Obligation owes(String debtor, String creditor, long amount) {
    return new Netting.Obligation(debtor, creditor, BigInteger.valueOf(amount));
  }

  @Test
  void a_circle_of_equal_debts_nets_to_nothing() {
    Netting.Settlement settlement =
        Netting.settle(List.of(owes("A", "B", 10), owes("B", "C", 10), owes("C", "A", 10)));

    assertThat(settlement.transfers()).isEmpty();
    assertThat(settlement.grossVolume()).isEqualTo(BigInteger.valueOf(30));
    assertThat(settlement.positions().values()).allMatch(v -> v.signum() == 0);
  }

  @Test
  void two_unrelated_pairs_settle_in_two_transfers_not_three() {
    // A owes B 5 and C owes D 7: four members, two zero-sum groups.
    Netting.Settlement settlement = Netting.settle(List.of(owes("A", "B", 5), owes("C", "D", 7)));

    assertThat(settlement.transfers()).hasSize(2);
    assertThat(settlement.netMoved()).isEqualTo(BigInteger.valueOf(12));
  }

  /** Obligations among up to 12 members, amounts small enough that positions often cancel. */
  @Provide
  Arbitrary<List<Netting.Obligation>> obligations() {
    return Arbitraries.integers()
        .between(2, 12)
        .flatMap(
            members ->
                net.jqwik.api.Combinators.combine(
                        Arbitraries.integers().between(0, members - 1),
                        Arbitraries.integers().between(0, members - 1),
                        Arbitraries.longs().between(1, 6))
                    .as((d, c, amount) -> d.equals(c) ? null : owes("M" + d, "M" + c, amount))
                    .filter(Objects::nonNull)
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(30));
  }

  @Property(tries = 300)
  void positions_sum_to_zero_and_the_transfers_settle_them_exactly(
      @ForAll("obligations") List<Netting.Obligation> obligations) {
    Netting.Settlement settlement = Netting.settle(obligations);

    assertThat(settlement.positions().values().stream().reduce(BigInteger.ZERO, BigInteger::add))
        .isZero();
    Map<String, BigInteger> left = new HashMap<>(settlement.positions());
    BigInteger moved = BigInteger.ZERO;
    for (Netting.Transfer transfer : settlement.transfers()) {
      assertThat(transfer.amount().signum()).isPositive();
      left.merge(transfer.from(), transfer.amount(), BigInteger::add);
      left.merge(transfer.to(), transfer.amount().negate(), BigInteger::add);
      moved = moved.add(transfer.amount());
    }
    assertThat(left.values()).allMatch(v -> v.signum() == 0);
    assertThat(moved).isEqualTo(settlement.netMoved());
    long nonZero = settlement.positions().values().stream().filter(v -> v.signum() != 0).count();
    assertThat((long) settlement.transfers().size()).isLessThanOrEqualTo(Math.max(0, nonZero - 1));
  }

  @Property(tries = 200)
  void the_number_of_transfers_is_the_optimum_of_an_exhaustive_search(
      @ForAll("obligations") List<Netting.Obligation> obligations) {
    Netting.Settlement settlement = Netting.settle(obligations);
    List<BigInteger> nonZero = new ArrayList<>();
    settlement.positions().values().stream().filter(v -> v.signum() != 0).forEach(nonZero::add);

    int optimum = nonZero.size() - mostZeroSumGroups(nonZero);

    assertThat(settlement.exact()).isTrue();
    assertThat(settlement.transfers()).hasSize(optimum);
  }

  /**
   * A reference search written independently of the DP: the lowest remaining member joins every
   * zero-sum subset it can, and the best of the rest is searched again.
   */
  private static int mostZeroSumGroups(List<BigInteger> values) {
    return search((1 << values.size()) - 1, values, new HashMap<>());
  }

  private static int search(int remaining, List<BigInteger> values, Map<Integer, Integer> memo) {
    if (remaining == 0) {
      return 0;
    }
    Integer known = memo.get(remaining);
    if (known != null) {
      return known;
    }
    int lowest = Integer.lowestOneBit(remaining);
    int others = remaining & ~lowest;
    int best = 0;
    // Every subset of the others, together with the lowest member.
    for (int subset = others; ; subset = (subset - 1) & others) {
      int group = subset | lowest;
      BigInteger sum = BigInteger.ZERO;
      for (int bits = group; bits != 0; bits &= bits - 1) {
        sum = sum.add(values.get(Integer.numberOfTrailingZeros(bits)));
      }
      if (sum.signum() == 0) {
        best = Math.max(best, 1 + search(remaining & ~group, values, memo));
      }
      if (subset == 0) {
        break;
      }
    }
    memo.put(remaining, best);
    return best;
  }
}
