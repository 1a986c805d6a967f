package io.patchwork.node.cluster;

import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.host.NodeFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node of a {@link Cluster} running as its own operating-system process through {@code patchwork
 * node run}, as a member running its own node would: started from the node folder the ledger wrote
 * for it, killed like {@code kill -9}, started again on the same data.
 */
public final class StandaloneNode implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final String nodeId;
  private final Path files;
  private final Path dataDirectory;
  private final Path log;
  private final List<String> extraArgs;
  private Process process;
  private Thread reader;

  StandaloneNode(String nodeId, Path files, Path dataDirectory) {
    this(nodeId, files, dataDirectory, List.of());
  }

  /** A node started with {@code extraArgs} after the usual ones ({@code --added-orderer}, ...). */
  StandaloneNode(String nodeId, Path files, Path dataDirectory, List<String> extraArgs) {
    this.nodeId = nodeId;
    this.files = files;
    this.dataDirectory = dataDirectory;
    this.log = files.resolve("node.log");
    this.extraArgs = List.copyOf(extraArgs);
  }

  public String nodeId() {
    return nodeId;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  /** Starts the process and returns once it reports the node running. */
  public synchronized StandaloneNode start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(nodeId + " is running");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(NodeCommand.class.getName());
    command.addAll(
        List.of(
            "run",
            "--genesis",
            files.resolve(NodeFiles.GENESIS).toString(),
            "--node-id",
            nodeId,
            "--msp",
            files.resolve(NodeFiles.MSP).toString(),
            "--tls",
            files.resolve(NodeFiles.TLS).toString(),
            "--data-dir",
            dataDirectory.toString(),
            "--bind",
            "127.0.0.1"));
    command.addAll(extraArgs);
    process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    CompletableFuture<Boolean> running = new CompletableFuture<>();
    Process started = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  Files.writeString(
                      log,
                      line + System.lineSeparator(),
                      StandardCharsets.UTF_8,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.APPEND);
                  if (line.startsWith("node " + nodeId + " ") && line.contains("is running")) {
                    running.complete(true);
                  }
                }
              } catch (IOException e) {
                // the process went away
              } finally {
                running.complete(false);
              }
            },
            "standalone-" + nodeId + "-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!running.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(
            nodeId + " exited with " + process.waitFor() + " before running:\n" + logText());
      }
    } catch (TimeoutException e) {
      process.destroyForcibly();
      throw new AssertionError(nodeId + " did not start in " + START_TIMEOUT + ":\n" + logText());
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  /** Kills the process at once (SIGKILL): no shutdown hook, nothing flushed. */
  public synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    reader.join(10_000);
  }

  /** Stops the process as an operator would (SIGTERM): the node closes cleanly. */
  public synchronized int stop() throws InterruptedException {
    // Through the handle: Process.destroy() would also close our end of its output, losing what
    // the node prints while it shuts down.
    process.toHandle().destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(nodeId + " did not stop on SIGTERM within 30 s:\n" + logText());
    }
    reader.join(10_000);
    return process.exitValue();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** What the process wrote, for failure messages. */
  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
