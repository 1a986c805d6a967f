package io.patchwork.node.peer;

import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;

/**
 * A gateway asking another organisation's peer whether it has committed a transaction, for a commit
 * status policy that waits for other peers ({@code CommitStatusPolicy} in config.proto): the
 * request header {@code patchwork-commit-status: own-peer} has that peer answer for itself alone,
 * as Fabric's meaning has it, rather than wait for others in turn.
 */
final class OwnPeerOnly {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("patchwork-commit-status", Metadata.ASCII_STRING_MARSHALLER);
  private static final String OWN_PEER = "own-peer";
  private static final Context.Key<Boolean> ASKED = Context.key("patchwork-commit-status");

  private OwnPeerOnly() {}

  static ClientInterceptor attach() {
    Metadata headers = new Metadata();
    headers.put(HEADER, OWN_PEER);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /** Whether the current call asks this peer to answer for itself alone. */
  static boolean asked() {
    return Boolean.TRUE.equals(ASKED.get());
  }

  static ServerInterceptor capture() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (OWN_PEER.equals(headers.get(HEADER))) {
          return Contexts.interceptCall(
              Context.current().withValue(ASKED, true), call, headers, next);
        }
        return next.startCall(call, headers);
      }
    };
  }
}
