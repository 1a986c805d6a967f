package io.patchwork.benchmarks.manager;

import io.patchwork.manager.Manager;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * First paint of the console's dashboard: with N running ledgers, the time from the start of a page
 * load of {@code /} (signed in) to the dashboard showing every ledger's row — the page's own {@code
 * patchwork:dashboard} mark, set when the first live event is drawn — and the browser's first
 * contentful paint, over repeated loads in headless Chromium. A load that does not show all N
 * ledgers within 10 s counts as failed and is reported.
 */
@Command(
    name = "console-paint",
    mixinStandardHelpOptions = true,
    description = "First paint of the console's dashboard with N ledgers.")
public final class ConsolePaint implements Callable<Integer> {
  @Option(names = "--ledgers", defaultValue = "20", description = "Running ledgers.")
  int ledgers;

  @Option(names = "--loads", defaultValue = "15", description = "Page loads measured.")
  int loads;

  @Option(names = "--chromium", defaultValue = "/usr/bin/chromium")
  Path chromium;

  @Option(names = "--chromedriver", defaultValue = "/usr/bin/chromedriver")
  Path chromedriver;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ConsolePaint()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-console-paint-");
    try (Manager manager = BenchServices.manager(directory)) {
      LedgerService service = manager.ledgers();
      for (int i = 0; i < ledgers; i++) {
        LedgerRecord record =
            service.accept(
                new LedgerService.Request(
                    "paint-" + i,
                    "payments-netting",
                    List.of(
                        new LedgerRecord.Party("Bank A", "BankAMSP"),
                        new LedgerRecord.Party("Bank B", "BankBMSP")),
                    Map.of()));
        service.provision(record);
      }
      String token =
          Files.readString(manager.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(chromium.toFile());
      options.addArguments(
          "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900");
      ChromeDriver driver =
          new ChromeDriver(
              new ChromeDriverService.Builder()
                  .usingDriverExecutable(new File(chromedriver.toString()))
                  .usingAnyFreePort()
                  .build(),
              options);
      try {
        driver.get(manager.url() + "/");
        ((JavascriptExecutor) driver)
            .executeScript(
                "sessionStorage.setItem('patchwork.operatorToken', JSON.stringify(arguments[0]))",
                token);
        List<Double> dashboard = new ArrayList<>();
        List<Double> contentful = new ArrayList<>();
        int failed = 0;
        String firstFailure = "";
        for (int load = 0; load < loads + 1; load++) {
          driver.navigate().refresh();
          Object[] timing = awaitDashboard(driver, Duration.ofSeconds(10));
          if (timing == null) {
            failed++;
            if (firstFailure.isEmpty()) {
              firstFailure = "load " + load + ": not every ledger's row shown within 10 s";
            }
            continue;
          }
          if (load == 0) {
            continue; // warm-up: the JVM's first responses
          }
          dashboard.add((Double) timing[0]);
          contentful.add((Double) timing[1]);
        }
        System.out.printf(
            Locale.ROOT,
            "RESULT console-paint ledgers=%d loads=%d failed=%d dashboard_ms p50=%.0f p90=%.0f"
                + " max=%.0f first_contentful_paint_ms p50=%.0f%s%n",
            ledgers,
            dashboard.size(),
            failed,
            percentile(dashboard, 0.5),
            percentile(dashboard, 0.9),
            percentile(dashboard, 1.0),
            percentile(contentful, 0.5),
            failed > 0 ? " first_failure=\"" + firstFailure + "\"" : "");
        return failed == 0 ? 0 : 1;
      } finally {
        driver.quit();
      }
    }
  }

  /** [dashboard mark, first contentful paint] in ms from navigation start, or null on timeout. */
  private Object[] awaitDashboard(ChromeDriver driver, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      Object result =
          ((JavascriptExecutor) driver)
              .executeScript(
                  "const mark = performance.getEntriesByName('patchwork:dashboard')[0];"
                      + "const paint = performance.getEntriesByName('first-contentful-paint')[0];"
                      + "return mark && mark.detail.ledgers >= arguments[0] && paint"
                      + " ? [mark.startTime, paint.startTime] : null;",
                  ledgers);
      if (result instanceof List<?> values) {
        return new Object[] {
          ((Number) values.get(0)).doubleValue(), ((Number) values.get(1)).doubleValue()
        };
      }
      Thread.sleep(20);
    }
    return null;
  }

  private static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }
}
