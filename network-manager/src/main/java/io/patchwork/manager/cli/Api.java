package io.patchwork.manager.cli;

import io.patchwork.ca.Pem;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every {@code patchwork} client command shares: where the manager is and who calls it ({@link
 * Connection}), calls to its API, and its refusals as exit codes ({@link ApiException}).
 */
final class Api {
  private Api() {}

  /** An API refusal: its code and message, and exit status 3 (4 for authentication). */
  static final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiException(int status, String body) {
      super(describe(status, body));
      this.status = status;
    }

    int exitCode() {
      return status == 401 || status == 403 ? 4 : 3;
    }

    private static String describe(int status, String body) {
      try {
        JsonObject error = new JsonObject(body);
        return error.getString("code", "HTTP_" + status) + ": " + error.getString("message", "");
      } catch (RuntimeException e) {
        return "HTTP " + status;
      }
    }
  }

  /** No manager answers at the URL: nothing was sent; exit status 5. */
  static final class UnreachableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnreachableException(String url, Exception cause) {
      super(
          "cannot reach the network manager at "
              + url
              + ": "
              + (cause.getMessage() == null ? "connection refused" : cause.getMessage())
              + " — is it running there? (--url or PATCHWORK_URL names it)",
          cause);
    }
  }

  /** Where the manager is and who calls it. */
  static final class Connection {
    @Option(
        names = "--url",
        description =
            "The manager's URL (default: $PATCHWORK_URL, else http://127.0.0.1:$PATCHWORK_PORT,"
                + " port 8080 when that is unset too).")
    String url;

    @Option(
        names = "--token-file",
        description =
            "File holding the API token (default: $PATCHWORK_TOKEN, else the operator's token in"
                + " $PATCHWORK_DATA_DIR/operator-token).")
    Path tokenFile;

    @Option(
        names = "--ca-file",
        description =
            "For an https URL: trust the authority in this PEM file (default: $PATCHWORK_CA_FILE,"
                + " else the service's own in $PATCHWORK_DATA_DIR/api-tls/ca.pem if present,"
                + " else the system's).")
    Path caFile;

    @Option(
        names = "--fingerprint",
        description =
            "For an https URL: accept only the server certificate with this SHA-256 fingerprint"
                + " (as the service prints it at start).")
    String fingerprint;

    @Option(
        names = "--client-cert",
        description =
            "For an https URL: authenticate as a member admin with the certificate and key of"
                + " this MSP folder (signcerts/cert.pem, keystore/priv_sk) instead of a token.")
    Path clientMsp;

    private HttpClient http;

    private HttpClient http() throws IOException, GeneralSecurityException {
      if (http == null) {
        http =
            ServerTrust.client(
                Optional.ofNullable(fingerprint), trustFile(), Optional.ofNullable(clientMsp));
      }
      return http;
    }

    private Optional<Path> trustFile() {
      if (caFile != null) {
        return Optional.of(caFile);
      }
      String fromEnvironment = System.getenv("PATCHWORK_CA_FILE");
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return Optional.of(Path.of(fromEnvironment.strip()));
      }
      Path own =
          Path.of(System.getenv().getOrDefault("PATCHWORK_DATA_DIR", "data"), "api-tls", "ca.pem");
      return Files.exists(own) ? Optional.of(own) : Optional.empty();
    }

    String base() {
      String chosen =
          url != null
              ? url
              : System.getenv()
                  .getOrDefault(
                      "PATCHWORK_URL",
                      // Beside a service started with PATCHWORK_PORT, the client finds it there.
                      "http://127.0.0.1:" + System.getenv().getOrDefault("PATCHWORK_PORT", "8080"));
      return chosen.endsWith("/") ? chosen.substring(0, chosen.length() - 1) : chosen;
    }

    Optional<String> token() throws IOException {
      if (clientMsp != null && tokenFile == null) {
        // The certificate authenticates; a token from the environment would count instead.
        return Optional.empty();
      }
      if (tokenFile != null) {
        return Optional.of(Files.readString(tokenFile, StandardCharsets.US_ASCII).strip());
      }
      String fromEnvironment = System.getenv("PATCHWORK_TOKEN");
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return Optional.of(fromEnvironment.strip());
      }
      Path operator =
          Path.of(System.getenv().getOrDefault("PATCHWORK_DATA_DIR", "data"), "operator-token");
      return Files.exists(operator)
          ? Optional.of(Files.readString(operator, StandardCharsets.US_ASCII).strip())
          : Optional.empty();
    }

    JsonObject get(String path) throws Exception {
      return call("GET", path, null, true);
    }

    JsonObject post(String path, JsonObject body) throws Exception {
      return call("POST", path, body, true);
    }

    JsonObject call(String method, String path, JsonObject body, boolean authenticated)
        throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(base() + path))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body.encode()));
      if (body != null) {
        request.header("content-type", "application/json");
      }
      if (authenticated) {
        token().ifPresent(token -> request.header("authorization", "Bearer " + token));
      }
      HttpResponse<String> response = send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new ApiException(response.statusCode(), response.body());
      }
      return response.body().isBlank() ? new JsonObject() : new JsonObject(response.body());
    }

    /** Sends the request; a manager that does not answer is said so, with where it was asked. */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
        throws Exception {
      try {
        return http().send(request, body);
      } catch (ConnectException | HttpConnectTimeoutException e) {
        throw new UnreachableException(base(), e);
      } catch (IOException e) {
        if (e.getCause() instanceof UnresolvedAddressException
            || e.getCause() instanceof ConnectException) {
          throw new UnreachableException(base(), e);
        }
        throw e;
      }
    }

    /**
     * Writes what {@code GET path} answers to {@code file} (a new file), authenticated with {@code
     * token}; a refusal leaves no file.
     */
    void download(String path, String token, Path file) throws Exception {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base() + path))
              .header("authorization", "Bearer " + token)
              .GET()
              .build();
      HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() >= 300) {
          throw new ApiException(
              response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
        }
        Files.copy(body, file);
      }
    }
  }

  /** {@code --output json}: a read command prints the API's answer as it came, for scripts. */
  static final class Output {
    enum Format {
      text,
      json
    }

    @Option(
        names = "--output",
        defaultValue = "text",
        description = "text (default, for people) or json (the API's answer, for scripts).")
    Format format;

    /** Prints {@code answer} as JSON when asked; answers whether it did. */
    boolean printedAsJson(PrintWriter out, JsonObject answer) {
      if (format == Format.json) {
        out.println(answer.encodePrettily());
        return true;
      }
      return false;
    }
  }

  abstract static class Command implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin Connection api;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  /** The signer of a member admin's MSP folder; the MSP id comes from its certificate. */
  static NodeSigner signer(Path msp) throws Exception {
    NodeFiles.Signing signing = NodeFiles.readSigning(msp);
    String mspId =
        io.patchwork.ca.Subjects.mspIdOf(signing.certificate())
            .orElseThrow(() -> new IOException(msp + ": the certificate names no MSP id"));
    return NodeSigner.of(mspId, signing.certificate(), signing.key());
  }

  static X509Certificate certificate(String pem) throws Exception {
    return Pem.readCertificates(pem).get(0);
  }

  static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
