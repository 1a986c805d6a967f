package io.patchwork.manager.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.CaError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ApiErrorTest {
  @Test
  void every_certificate_authority_code_keeps_its_name_in_the_api() {
    for (CaError error : CaError.values()) {
      assertThat(ApiError.of(error).name()).isEqualTo(error.name());
    }
  }

  @Test
  void the_openapi_document_lists_exactly_the_codes_the_api_answers_with() throws IOException {
    String document;
    try (InputStream in = ApiError.class.getResourceAsStream("/openapi.yaml")) {
      document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher list =
        Pattern.compile("    ErrorCode:\\n(?:      .*\\n)*?      enum: \\[([^\\]]*)\\]")
            .matcher(document);
    assertThat(list.find()).as("components.schemas.ErrorCode.enum in openapi.yaml").isTrue();
    Set<String> documented = new TreeSet<>();
    Arrays.stream(list.group(1).split(",")).map(String::strip).forEach(documented::add);
    assertThat(documented).isEqualTo(codes());
  }

  @Test
  void the_manual_explains_every_code() throws IOException {
    String manual = Files.readString(Path.of("../docs/network-manager.md"));
    for (ApiError error : ApiError.values()) {
      assertThat(manual).as(error.name()).contains("| `" + error.name() + "` | " + error.status());
    }
  }

  @Test
  void a_refusal_takes_its_status_from_its_code() {
    Refusal refused = new Refusal(ApiError.PEER_EXISTS, "BankAMSP already has a peer here");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.code()).isEqualTo("PEER_EXISTS");
    assertThat(refused.problems()).isEmpty();
  }

  @Test
  void a_malformed_body_names_the_field() {
    Refusal refused = Refusal.malformed("parties[2].mspId", "expected a string");
    assertThat(refused.error()).isEqualTo(ApiError.MALFORMED_REQUEST);
    assertThat(refused.getMessage()).isEqualTo("parties[2].mspId: expected a string");
    assertThat(refused.problems())
        .containsExactly(new Refusal.FieldProblem("parties[2].mspId", "expected a string"));
  }

  private static Set<String> codes() {
    Set<String> codes = new TreeSet<>();
    Arrays.stream(ApiError.values()).map(Enum::name).forEach(codes::add);
    return codes;
  }
}
