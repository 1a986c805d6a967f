package io.patchwork.node.peer;

import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The height a gateway simulated a proposal at, sent with its request for another organisation's
 * endorsement (the {@code patchwork-read-height} request header: every block below it was committed
 * when the gateway's own simulation ended). The endorser waits until it has committed as much
 * before it simulates, so that it reads what the gateway read — instead of answering from an older
 * state, which the gateway would have to throw away. A Fabric peer ignores the header; a Patchwork
 * endorser asked without it simulates at once, as Fabric's does.
 */
final class ReadHeight {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("patchwork-read-height", Metadata.ASCII_STRING_MARSHALLER);

  /** The longest an endorser waits by default for the height asked. */
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);

  /** The environment variable (or system property {@code patchwork.endorse.wait}) setting it. */
  static final String WAIT_VARIABLE = "PATCHWORK_ENDORSE_WAIT";

  private static final Context.Key<Long> ASKED = Context.key("patchwork-read-height");

  private ReadHeight() {}

  /** Attaches {@code height} to a call. */
  static ClientInterceptor attach(long height) {
    Metadata headers = new Metadata();
    headers.put(HEADER, Long.toString(height));
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /** The height the current call asks for, if it asks for one. */
  static Optional<Long> asked() {
    return Optional.ofNullable(ASKED.get());
  }

  /** Reads the header of each call into its context (a malformed one is ignored). */
  static ServerInterceptor capture() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String value = headers.get(HEADER);
        if (value != null) {
          try {
            long height = Long.parseLong(value);
            if (height >= 0) {
              return Contexts.interceptCall(
                  Context.current().withValue(ASKED, height), call, headers, next);
            }
          } catch (NumberFormatException e) {
            // Not ours to refuse: simulate at once, as without the header.
          }
        }
        return next.startCall(call, headers);
      }
    };
  }

  /**
   * How long an endorser waits for the height asked: {@value #WAIT_VARIABLE} (or the system
   * property {@code patchwork.endorse.wait}), an ISO-8601 duration such as {@code PT1S}; zero
   * disables the wait.
   *
   * @throws IllegalArgumentException if it is set to something else
   */
  static Duration configuredWait() {
    String value =
        Optional.ofNullable(System.getProperty("patchwork.endorse.wait"))
            .orElse(System.getenv(WAIT_VARIABLE));
    if (value == null || value.isBlank()) {
      return DEFAULT_WAIT;
    }
    try {
      Duration wait = Duration.parse(value.strip());
      if (wait.isNegative() || wait.compareTo(Duration.ofSeconds(30)) > 0) {
        throw new IllegalArgumentException(
            WAIT_VARIABLE + " is " + value + ": between PT0S and PT30S, please");
      }
      return wait;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          WAIT_VARIABLE + " is " + value + ", not an ISO-8601 duration such as PT1S", e);
    }
  }
}
