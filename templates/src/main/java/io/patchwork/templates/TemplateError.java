package io.patchwork.templates;

import java.util.Objects;

/**
 * One problem with a template or a request made from it, at a field path such as {@code
 * topology.orderers} or {@code overrides.lifespan}.
 */
public record TemplateError(String path, String message) {
  public TemplateError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
