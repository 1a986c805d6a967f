package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test hosts themselves: reachable, delayed through a relay, cut and healed, then gone. */
@Tag("cluster")
class TestNetworkTest {
  @TempDir Path directory;

  @Test
  void hosts_talk_over_the_test_network_with_added_latency_can_be_cut_off_and_leave_nothing()
      throws Exception {
    Optional<String> unavailable = TestNetwork.unavailable();
    assumeTrue(unavailable.isEmpty(), () -> "no test hosts here: " + unavailable.orElseThrow());
    TestNetwork.Host host;
    try (TestNetwork network = TestNetwork.create("tn", 2)) {
      host = network.addHost("echo");
      Path log = directory.resolve("echo.log");
      Process echo =
          network.start(
              host,
              TestNetwork.java(HostEcho.class.getName(), host.address(), "7000"),
              Map.of(),
              log);
      TestNetwork.awaitOutput(echo, log, "echoing", Duration.ofSeconds(30));

      roundTrip(host.address(), 7000);
      // Through the relay a byte waits 50 ms each way: the round trip cannot be shorter.
      int relay = network.relay(host.address(), 7000, Duration.ofMillis(50));
      assertThat(roundTrip(network.machineAddress(), relay))
          .isGreaterThanOrEqualTo(Duration.ofMillis(100));

      network.cut(host);
      assertThatThrownBy(() -> roundTrip(host.address(), 7000)).isInstanceOf(IOException.class);
      network.heal(host);
      roundTrip(host.address(), 7000);
    }
    Process list = new ProcessBuilder("ip", "netns", "list").start();
    String namespaces = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(namespaces).doesNotContain("pwtn-");
    Process links = new ProcessBuilder("ip", "link", "show").start();
    assertThat(new String(links.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .doesNotContain("pwtnr");
  }

  /** Connects, sends one byte and waits for it to come back; the time from send to answer. */
  private static Duration roundTrip(String address, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 1_000);
      socket.setSoTimeout(2_000);
      long start = System.nanoTime();
      socket.getOutputStream().write(42);
      socket.getOutputStream().flush();
      int answer = socket.getInputStream().read();
      assertThat(answer).isEqualTo(42);
      return Duration.ofNanos(System.nanoTime() - start);
    }
  }
}
