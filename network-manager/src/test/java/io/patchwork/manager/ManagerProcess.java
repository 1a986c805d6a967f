package io.patchwork.manager;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code patchwork serve} as its own process, for tests that kill it with SIGKILL: started with the
 * test's class path and the given environment, ready once it prints its URL.
 */
final class ManagerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final boolean https;

  private ManagerProcess(Process process, int port, boolean https) {
    this.process = process;
    this.port = port;
    this.https = https;
  }

  /**
   * Starts the service on {@code port} with {@code environment} added; output goes to {@code log}.
   */
  static ManagerProcess start(Map<String, String> environment, int port, Path log)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("serve");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    builder.environment().put("PATCHWORK_HOST", "127.0.0.1");
    builder.environment().put("PATCHWORK_PORT", Integer.toString(port));
    Process process = builder.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      String output = Files.exists(log) ? Files.readString(log) : "";
      if (output.contains("listening on")) {
        return new ManagerProcess(process, port, environment.containsKey("PATCHWORK_TLS_CERT"));
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("the manager process did not start:\n" + output);
      }
      Thread.sleep(100);
    }
  }

  String url() {
    return (https ? "https" : "http") + "://127.0.0.1:" + port;
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /**
   * A free port below the kernel's range for outgoing connections (32768 and up on Linux), for a
   * port an instance binds some time after it is picked: an ephemeral port picked the same way
   * could be taken meanwhile by any outgoing connection on this machine.
   */
  static int listenPort() throws IOException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = random.nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
