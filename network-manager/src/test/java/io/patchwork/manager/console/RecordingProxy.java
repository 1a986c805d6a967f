package io.patchwork.manager.console;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP relay between the browser and the manager that keeps every request the browser sends —
 * method, URI, body — so a test can check what left the page (no private key, no invite token in a
 * URL). Responses stream through unchanged, server-sent events included.
 */
final class RecordingProxy implements AutoCloseable {
  /** One request as the browser sent it. */
  record Sent(String method, String uri, String body) {}

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Sent> sent;

  private RecordingProxy(Vertx vertx, HttpServer server, List<Sent> sent) {
    this.vertx = vertx;
    this.server = server;
    this.sent = sent;
  }

  static RecordingProxy start(int targetPort) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient();
    List<Sent> sent = new CopyOnWriteArrayList<>();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(request -> relay(request, client, targetPort, sent))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return new RecordingProxy(vertx, server, sent);
  }

  private static void relay(
      HttpServerRequest request, HttpClient client, int targetPort, List<Sent> sent) {
    request
        .body()
        .onSuccess(
            body -> {
              sent.add(new Sent(request.method().name(), request.uri(), body.toString()));
              RequestOptions options =
                  new RequestOptions()
                      .setMethod(request.method())
                      .setHost("127.0.0.1")
                      .setPort(targetPort)
                      .setURI(request.uri());
              request
                  .headers()
                  .forEach(
                      header -> {
                        if (!header.getKey().equalsIgnoreCase("host")
                            && !header.getKey().equalsIgnoreCase("content-length")) {
                          options.addHeader(header.getKey(), header.getValue());
                        }
                      });
              client
                  .request(options)
                  .compose(out -> out.send(body == null ? Buffer.buffer() : body))
                  .onSuccess(
                      in -> {
                        request.response().setStatusCode(in.statusCode());
                        in.headers()
                            .forEach(
                                header -> {
                                  if (!header.getKey().equalsIgnoreCase("transfer-encoding")
                                      && !header.getKey().equalsIgnoreCase("content-length")) {
                                    request
                                        .response()
                                        .putHeader(header.getKey(), header.getValue());
                                  }
                                });
                        HttpServerResponse out = request.response().setChunked(true);
                        // A page that navigates away closes its stream: stop relaying at once.
                        out.closeHandler(closed -> in.request().reset());
                        in.handler(
                            chunk -> {
                              if (!out.closed() && !out.ended()) {
                                out.write(chunk);
                              }
                            });
                        in.endHandler(
                            ended -> {
                              if (!out.closed() && !out.ended()) {
                                out.end();
                              }
                            });
                      })
                  .onFailure(
                      failure -> request.response().setStatusCode(502).end(failure.getMessage()));
            });
  }

  /** Where the browser goes: the console through this relay. */
  String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  List<Sent> sent() {
    return List.copyOf(sent);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
