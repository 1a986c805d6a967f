package io.patchwork.benchmarks.settle;

import io.patchwork.node.settle.Netting;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Netting 1,000,000 obligations among 100 members (issue #6: under 1 s): net positions, then the
 * settling transfers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class NettingBenchmark {
  private List<Netting.Obligation> obligations;

  @Setup
  public void obligations() {
    SplittableRandom random = new SplittableRandom(42);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      members.add("Bank" + i + "MSP");
    }
    obligations = new ArrayList<>(1_000_000);
    while (obligations.size() < 1_000_000) {
      int debtor = random.nextInt(100);
      int creditor = random.nextInt(100);
      if (debtor != creditor) {
        obligations.add(
            new Netting.Obligation(
                members.get(debtor),
                members.get(creditor),
                BigInteger.valueOf(1 + random.nextInt(1_000_000))));
      }
    }
  }

  @Benchmark
  public Netting.Settlement netMillionObligationsAmongHundredMembers() {
    return Netting.settle(obligations);
  }
}
