package io.patchwork.node.channel;

import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigException.Code;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Fabric's config writes them: Go's {@code time.ParseDuration} form, a sequence of
 * decimal numbers each with a unit ({@code 2s}, {@code 250ms}, {@code 1m30s}, {@code 1.5h}).
 */
final class GoDurations {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDurations() {}

  /**
   * The duration {@code text} says.
   *
   * @throws ConfigException {@code MALFORMED} if it is not a non-negative Go duration
   */
  static Duration parse(String text) throws ConfigException {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher part = PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < text.length() && part.find(at) && part.start() == at) {
      nanos =
          nanos.add(
              new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS.get(part.group(2)))));
      at = part.end();
    }
    if (text.isEmpty() || at != text.length()) {
      throw new ConfigException(
          Code.MALFORMED, "'" + text + "' is not a duration such as 2s or 250ms");
    }
    return Duration.ofNanos(nanos.longValue());
  }
}
