package io.patchwork.manager.error;

import java.util.List;
import java.util.Objects;

/**
 * A request the manager refused before changing anything: a stable {@link ApiError} for programs
 * (which also says the HTTP status), a message for people (never a secret), and, where the refusal
 * is about fields of the request, each problem by its field path.
 */
public class Refusal extends Exception {
  private static final long serialVersionUID = 1L;
  private final ApiError error;
  private final transient List<FieldProblem> problems;

  /**
   * A problem with one field of a request: its path ({@code parties[2].mspId}) and what is wrong.
   */
  public record FieldProblem(String path, String message) {
    public FieldProblem {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(message, "message");
    }
  }

  public Refusal(ApiError error, String message) {
    this(error, message, List.of());
  }

  public Refusal(ApiError error, String message, List<FieldProblem> problems) {
    super(message);
    this.error = Objects.requireNonNull(error, "error");
    this.problems = List.copyOf(problems);
  }

  /** A body that is not what the route expects, naming the field at {@code path}. */
  public static Refusal malformed(String path, String problem) {
    return new Refusal(
        ApiError.MALFORMED_REQUEST,
        (path.isEmpty() ? "the body" : path) + ": " + problem,
        List.of(new FieldProblem(path, problem)));
  }

  public ApiError error() {
    return error;
  }

  /** The code programs match on: the error's name. */
  public String code() {
    return error.name();
  }

  public int status() {
    return error.status();
  }

  /** The problems by field path; empty when the refusal is not about particular fields. */
  public List<FieldProblem> problems() {
    return problems;
  }
}
