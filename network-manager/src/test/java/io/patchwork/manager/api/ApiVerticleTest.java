package io.patchwork.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiVerticleTest {
  private Vertx vertx;
  private ApiVerticle api;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    api = new ApiVerticle("127.0.0.1", 0);
    vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void health_and_readiness_answer_once_the_server_is_bound() throws Exception {
    assertThat(new JsonObject(get("/health").body()).getString("status")).isEqualTo("UP");
    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("READY");
  }

  @Test
  void the_templates_are_listed_and_each_is_shown_with_its_settings() throws Exception {
    JsonObject list = new JsonObject(get("/templates").body());
    assertThat(list.getJsonArray("templates")).hasSize(3);

    HttpResponse<String> netting = get("/templates/payments-netting");
    assertThat(netting.statusCode()).isEqualTo(200);
    JsonObject template = new JsonObject(netting.body());
    assertThat(template.getJsonObject("topology").getInteger("orderers")).isEqualTo(3);
    assertThat(template.getJsonArray("contracts").getList()).contains("obligations");
    assertThat(template.getJsonArray("overridable").getList()).contains("lifespan");
  }

  @Test
  void unknown_templates_and_paths_get_json_errors_with_a_code() throws Exception {
    HttpResponse<String> missing = get("/templates/casino");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getString("code")).isEqualTo("TEMPLATE_NOT_FOUND");

    HttpResponse<String> nowhere = get("/nowhere");
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(nowhere.body()).getString("code")).isEqualTo("NOT_FOUND");
  }

  @Test
  void an_oversized_body_is_refused_with_413() throws Exception {
    byte[] big = new byte[(int) ApiVerticle.MAX_BODY_BYTES + 1];
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/templates"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .header("content-type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(response.body()).getString("code")).isEqualTo("BODY_TOO_LARGE");
  }

  @Test
  void responses_larger_than_a_frame_complete_for_every_new_client() throws Exception {
    // Java's default client asks for an h2c upgrade on plain HTTP; a second client's 40 KB
    // response used to never complete. Each client here is new, as each CLI run's is.
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + api.port() + "/openapi.yaml"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).hasSizeGreaterThan(16_384).endsWith("\n");
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    }
  }

  @Test
  void the_openapi_document_lists_every_route_the_api_serves() throws Exception {
    String document = get("/openapi.yaml").body();

    assertThat(document).startsWith("openapi: 3");
    assertThat(api.paths()).contains("/health", "/templates/{name}");
    for (String path : api.paths()) {
      assertThat(document).as(path).contains("\n  " + path + ":\n");
    }
  }

  @Test
  void the_openapi_document_is_a_valid_openapi_3_document_with_every_path_under_paths()
      throws Exception {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult parsed =
        new OpenAPIV3Parser().readContents(get("/openapi.yaml").body(), null, options);

    assertThat(parsed.getMessages()).as("what the OpenAPI parser found wrong").isEmpty();
    assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.");
    for (String path : api.paths()) {
      assertThat(parsed.getOpenAPI().getPaths()).as(path).containsKey(path);
    }
    // YAML 1.1 reads a bare YES or NO as a boolean: the ballot's choices must stay strings.
    JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(get("/openapi.yaml").body());
    document
        .findValues("enum")
        .forEach(values -> values.forEach(value -> assertThat(value.isTextual()).isTrue()));
  }
}
