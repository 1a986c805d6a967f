package io.patchwork.node.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a directory tree a node wrote (a data directory, a half-written archive or folder). */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code root} and everything under it, deepest first; nothing happens if it does not
   * exist.
   *
   * @throws IOException if something could not be deleted (what was deleted stays deleted)
   */
  public static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
