package io.patchwork.templates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Loads and checks ledger templates, and applies a request's overrides to one.
 *
 * <pre>
 * LedgerTemplate netting = Templates.builtIn("payments-netting");
 * LedgerTemplate mine = Templates.withOverrides(netting, Map.of("lifespan", "P30D"));
 * Templates.checkParties(mine, 20);
 * </pre>
 *
 * Every problem is reported at once, each with the path of the field it concerns ({@code
 * topology.orderers: must be 1, 3, 5 or 7, not 4}); unknown fields are errors, so a typo does not
 * silently fall back to a default.
 *
 * <p>One class on purpose: overrides are applied to the same tree the loader reads and are checked
 * by the same section checks, so a field's rule is written once.
 */
public final class Templates {
  /** The templates shipped with Patchwork. */
  public static final List<String> BUILT_IN =
      List.of("payments-netting", "supply-chain", "healthcare-records");

  /** The contracts a template may name (the node's built-ins). */
  public static final Set<String> CONTRACTS = Set.of("ledger-token", "obligations", "notary");

  /** Most nodes a ledger may have. */
  public static final int MAX_NODES = 100;

  /** Largest template file read. */
  public static final int MAX_TEMPLATE_BYTES = 64 * 1024;

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final Pattern ASSET = Pattern.compile("[A-Z][A-Z0-9]{2,11}");
  private static final Set<String> PATHS =
      Set.of(
          "topology.orderers",
          "topology.peersPerOrganization",
          "endorsement.rule",
          "endorsement.count",
          "voting.thresholdPercent",
          "voting.comparator",
          "voting.quorumPercent",
          "voting.duration",
          "blockCutting.maxTransactions",
          "blockCutting.maxBytes",
          "blockCutting.timeout",
          "commitStatus.scope",
          "commitStatus.timeout",
          "lifespan",
          "upgradeWindow",
          "settlementAsset");

  private Templates() {}

  /**
   * A built-in template by name.
   *
   * @throws TemplateException naming the known templates if there is none by that name
   */
  public static LedgerTemplate builtIn(String name) throws TemplateException {
    if (!BUILT_IN.contains(name)) {
      throw new TemplateException(
          List.of(
              new TemplateError(
                  "template", "no template '" + name + "'; the built-ins are " + BUILT_IN)));
    }
    try (InputStream in = Templates.class.getResourceAsStream(name + ".yaml")) {
      if (in == null) {
        throw new IllegalStateException("built-in template " + name + " is missing from the jar");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("built-in template " + name + " cannot be read", e);
    }
  }

  /** A template from a YAML file. */
  public static LedgerTemplate load(Path file) throws IOException, TemplateException {
    if (Files.size(file) > MAX_TEMPLATE_BYTES) {
      throw new TemplateException(
          List.of(
              new TemplateError("", file + " is larger than " + MAX_TEMPLATE_BYTES + " bytes")));
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** A template from YAML text. */
  public static LedgerTemplate parse(String yaml) throws TemplateException {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new TemplateException(
          List.of(new TemplateError("", "not valid YAML" + where + ": " + e.getOriginalMessage())));
    }
    if (root == null || !root.isObject()) {
      throw new TemplateException(List.of(new TemplateError("", "a template is a YAML mapping")));
    }
    return read(root);
  }

  /**
   * The template with a request's overrides applied: each key a field path the template lists as
   * overridable, each value in the field's YAML form ({@code "P30D"}, {@code "5"}).
   */
  public static LedgerTemplate withOverrides(LedgerTemplate template, Map<String, String> overrides)
      throws TemplateException {
    if (overrides.isEmpty()) {
      return template;
    }
    List<TemplateError> errors = new ArrayList<>();
    ObjectNode tree = YAML.valueToTree(Map.of());
    JsonNode original;
    try {
      original = YAML.readTree(YAML.writeValueAsString(toTree(template)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a template cannot be written back", e);
    }
    tree.setAll((ObjectNode) original);
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      String path = override.getKey();
      if (!template.overridable().contains(path)) {
        errors.add(
            new TemplateError(
                "overrides." + path,
                "not overridable in template "
                    + template.name()
                    + "; it allows "
                    + new TreeSet<>(template.overridable())));
        continue;
      }
      String[] parts = path.split("\\.");
      ObjectNode parent = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = (ObjectNode) parent.get(parts[i]);
      }
      JsonNode value;
      try {
        value = YAML.readTree(override.getValue());
      } catch (JsonProcessingException e) {
        value = TextNode.valueOf(override.getValue());
      }
      parent.set(parts[parts.length - 1], value == null ? TextNode.valueOf("") : value);
    }
    if (!errors.isEmpty()) {
      throw new TemplateException(errors);
    }
    try {
      return read(tree);
    } catch (TemplateException e) {
      List<TemplateError> prefixed = new ArrayList<>();
      for (TemplateError error : e.errors()) {
        prefixed.add(new TemplateError("overrides." + error.path(), error.message()));
      }
      throw new TemplateException(prefixed);
    }
  }

  /**
   * Checks a ledger of {@code parties} member organisations fits the template and the node limit.
   */
  public static void checkParties(LedgerTemplate template, int parties) throws TemplateException {
    List<TemplateError> errors = new ArrayList<>();
    if (parties < template.parties().min() || parties > template.parties().max()) {
      errors.add(
          new TemplateError(
              "parties",
              "template "
                  + template.name()
                  + " takes "
                  + template.parties().min()
                  + " to "
                  + template.parties().max()
                  + " parties, not "
                  + parties));
    }
    if (template.nodes(parties) > MAX_NODES) {
      errors.add(
          new TemplateError(
              "parties",
              parties
                  + " parties make "
                  + template.nodes(parties)
                  + " nodes; a ledger has at most "
                  + MAX_NODES));
    }
    if (template.endorsement().rule() == LedgerTemplate.Endorsement.Rule.AT_LEAST
        && template.endorsement().count() > parties) {
      errors.add(
          new TemplateError(
              "endorsement.count",
              "needs " + template.endorsement().count() + " organisations; there are " + parties));
    }
    if (!errors.isEmpty()) {
      throw new TemplateException(errors);
    }
  }

  // ---- reading ----

  private static LedgerTemplate read(JsonNode root) throws TemplateException {
    Reader r = new Reader();
    r.known(
        "",
        root,
        "name",
        "description",
        "parties",
        "topology",
        "endorsement",
        "voting",
        "blockCutting",
        "commitStatus",
        "contracts",
        "lifespan",
        "upgradeWindow",
        "settlementAsset",
        "overridable");
    String name = r.text("name", root.get("name"), NAME, "lower-case letters, digits and '-'");
    String description = root.hasNonNull("description") ? root.get("description").asText() : "";

    JsonNode parties = r.object("parties", root.get("parties"), "min", "max");
    int min = r.integer("parties.min", parties.get("min"), 2, MAX_NODES);
    int max = r.integer("parties.max", parties.get("max"), 2, MAX_NODES);
    if (min > max) {
      r.error("parties", "min " + min + " is above max " + max);
    }

    JsonNode topology =
        r.object("topology", root.get("topology"), "orderers", "peersPerOrganization");
    int orderers = r.integer("topology.orderers", topology.get("orderers"), 1, 7);
    if (orderers != 0 && orderers % 2 == 0) {
      r.error("topology.orderers", "must be 1, 3, 5 or 7 (a Raft group), not " + orderers);
    }
    int peers =
        r.integer("topology.peersPerOrganization", topology.get("peersPerOrganization"), 1, 10);

    JsonNode endorsement = r.object("endorsement", root.get("endorsement"), "rule", "count");
    LedgerTemplate.Endorsement.Rule rule =
        r.choice(
            "endorsement.rule", endorsement.get("rule"), LedgerTemplate.Endorsement.Rule.class);
    int count = 0;
    if (rule == LedgerTemplate.Endorsement.Rule.AT_LEAST) {
      count = r.integer("endorsement.count", endorsement.get("count"), 1, MAX_NODES);
      if (count > min && min > 0) {
        r.error(
            "endorsement.count",
            "needs " + count + " organisations but the template allows ledgers of " + min);
      }
    } else if (endorsement.has("count")) {
      r.error("endorsement.count", "only AT_LEAST takes a count");
    }

    JsonNode voting =
        r.object(
            "voting",
            root.get("voting"),
            "thresholdPercent",
            "comparator",
            "quorumPercent",
            "duration");
    int threshold = r.integer("voting.thresholdPercent", voting.get("thresholdPercent"), 1, 100);
    LedgerTemplate.Voting.Comparator comparator =
        r.choice(
            "voting.comparator", voting.get("comparator"), LedgerTemplate.Voting.Comparator.class);
    if (comparator == LedgerTemplate.Voting.Comparator.GREATER_THAN && threshold == 100) {
      r.error("voting.thresholdPercent", "more than 100% can never be reached");
    }
    int quorum =
        voting.has("quorumPercent")
            ? r.integer("voting.quorumPercent", voting.get("quorumPercent"), 0, 100)
            : 0;
    Duration votingDuration =
        r.duration(
            "voting.duration", voting.get("duration"), Duration.ofMinutes(1), Duration.ofDays(90));

    JsonNode cutting =
        r.object(
            "blockCutting", root.get("blockCutting"), "maxTransactions", "maxBytes", "timeout");
    int maxTransactions =
        r.integer("blockCutting.maxTransactions", cutting.get("maxTransactions"), 1, 10_000);
    long maxBytes =
        r.integer("blockCutting.maxBytes", cutting.get("maxBytes"), 1024, 100 * 1024 * 1024);
    Duration timeout =
        r.duration(
            "blockCutting.timeout",
            cutting.get("timeout"),
            Duration.ofMillis(1),
            Duration.ofSeconds(10));

    List<String> contracts = new ArrayList<>();
    JsonNode contractList = root.get("contracts");
    if (contractList == null || !contractList.isArray() || contractList.isEmpty()) {
      r.error("contracts", "a list of at least one contract of " + new TreeSet<>(CONTRACTS));
    } else {
      for (int i = 0; i < contractList.size(); i++) {
        String contract = contractList.get(i).asText();
        if (!CONTRACTS.contains(contract)) {
          r.error(
              "contracts[" + i + "]",
              "unknown contract '" + contract + "'; known: " + new TreeSet<>(CONTRACTS));
        } else if (contracts.contains(contract)) {
          r.error("contracts[" + i + "]", "'" + contract + "' is listed twice");
        } else {
          contracts.add(contract);
        }
      }
    }

    LedgerTemplate.CommitStatus commitStatus =
        new LedgerTemplate.CommitStatus(
            LedgerTemplate.CommitStatus.Scope.GATEWAY_PEER, Duration.ofSeconds(5));
    if (root.has("commitStatus")) {
      JsonNode status = r.object("commitStatus", root.get("commitStatus"), "scope", "timeout");
      commitStatus =
          new LedgerTemplate.CommitStatus(
              r.choice(
                  "commitStatus.scope",
                  status.get("scope"),
                  LedgerTemplate.CommitStatus.Scope.class),
              status.has("timeout")
                  ? r.duration(
                      "commitStatus.timeout",
                      status.get("timeout"),
                      Duration.ofMillis(100),
                      Duration.ofSeconds(60))
                  : Duration.ofSeconds(5));
    }
    Duration lifespan =
        r.duration("lifespan", root.get("lifespan"), Duration.ofHours(1), Duration.ofDays(3650));
    Duration upgradeWindow =
        root.has("upgradeWindow")
            ? r.duration(
                "upgradeWindow", root.get("upgradeWindow"), Duration.ZERO, Duration.ofDays(365))
            : Duration.ZERO;
    String asset =
        r.text("settlementAsset", root.get("settlementAsset"), ASSET, "an asset code such as EUR");

    Set<String> overridable = new LinkedHashSet<>();
    JsonNode overridableList = root.get("overridable");
    if (overridableList != null) {
      if (!overridableList.isArray()) {
        r.error("overridable", "a list of field paths");
      } else {
        for (int i = 0; i < overridableList.size(); i++) {
          String path = overridableList.get(i).asText();
          if (!PATHS.contains(path)) {
            r.error(
                "overridable[" + i + "]",
                "'" + path + "' is not a field path; paths: " + new TreeSet<>(PATHS));
          } else {
            overridable.add(path);
          }
        }
      }
    }
    r.throwIfAny();
    return new LedgerTemplate(
        name,
        description,
        new LedgerTemplate.Parties(min, max),
        new LedgerTemplate.Topology(orderers, peers),
        new LedgerTemplate.Endorsement(rule, count),
        new LedgerTemplate.Voting(threshold, comparator, quorum, votingDuration),
        new LedgerTemplate.BlockCutting(maxTransactions, maxBytes, timeout),
        commitStatus,
        contracts,
        lifespan,
        upgradeWindow,
        asset,
        overridable);
  }

  private static Map<String, Object> toTree(LedgerTemplate t) {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("name", t.name());
    tree.put("description", t.description());
    tree.put("parties", Map.of("min", t.parties().min(), "max", t.parties().max()));
    tree.put(
        "topology",
        Map.of(
            "orderers", t.topology().orderers(),
            "peersPerOrganization", t.topology().peersPerOrganization()));
    Map<String, Object> endorsement = new LinkedHashMap<>();
    endorsement.put("rule", t.endorsement().rule().name());
    if (t.endorsement().rule() == LedgerTemplate.Endorsement.Rule.AT_LEAST) {
      endorsement.put("count", t.endorsement().count());
    }
    tree.put("endorsement", endorsement);
    tree.put(
        "voting",
        Map.of(
            "thresholdPercent", t.voting().thresholdPercent(),
            "comparator", t.voting().comparator().name(),
            "quorumPercent", t.voting().quorumPercent(),
            "duration", t.voting().duration().toString()));
    tree.put(
        "blockCutting",
        Map.of(
            "maxTransactions", t.blockCutting().maxTransactions(),
            "maxBytes", t.blockCutting().maxBytes(),
            "timeout", t.blockCutting().timeout().toString()));
    tree.put(
        "commitStatus",
        Map.of(
            "scope", t.commitStatus().scope().name(),
            "timeout", t.commitStatus().timeout().toString()));
    tree.put("contracts", t.contracts());
    tree.put("lifespan", t.lifespan().toString());
    tree.put("upgradeWindow", t.upgradeWindow().toString());
    tree.put("settlementAsset", t.settlementAsset());
    tree.put("overridable", new ArrayList<>(t.overridable()));
    return tree;
  }

  /** Reads fields, collecting every problem with its path. */
  private static final class Reader {
    private final List<TemplateError> errors = new ArrayList<>();

    void error(String path, String message) {
      errors.add(new TemplateError(path, message));
    }

    void throwIfAny() throws TemplateException {
      if (!errors.isEmpty()) {
        throw new TemplateException(errors);
      }
    }

    void known(String path, JsonNode node, String... fields) {
      Set<String> allowed = Set.of(fields);
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String field = names.next();
        if (!allowed.contains(field)) {
          error(path.isEmpty() ? field : path + "." + field, "unknown field");
        }
      }
    }

    JsonNode object(String path, JsonNode node, String... fields) {
      if (node == null || !node.isObject()) {
        error(path, node == null ? "missing" : "must be a mapping");
        return YAML.createObjectNode();
      }
      known(path, node, fields);
      return node;
    }

    String text(String path, JsonNode node, Pattern pattern, String expected) {
      if (node == null || !node.isTextual()) {
        error(path, node == null ? "missing" : "must be text: " + expected);
        return "";
      }
      if (!pattern.matcher(node.asText()).matches()) {
        error(path, "'" + node.asText() + "' is not " + expected);
      }
      return node.asText();
    }

    int integer(String path, JsonNode node, long min, long max) {
      if (node == null || !node.canConvertToLong() || !node.isIntegralNumber()) {
        error(path, node == null ? "missing" : "must be a whole number");
        return 0;
      }
      long value = node.asLong();
      if (value < min || value > max) {
        error(path, "must be from " + min + " to " + max + ", not " + value);
        return 0;
      }
      return (int) value;
    }

    <E extends Enum<E>> E choice(String path, JsonNode node, Class<E> type) {
      List<String> names = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        names.add(constant.name());
      }
      if (node == null || !node.isTextual() || !names.contains(node.asText())) {
        error(
            path,
            (node == null ? "missing" : "'" + node.asText() + "' is not allowed")
                + "; one of "
                + names);
        return type.getEnumConstants()[0];
      }
      return Enum.valueOf(type, node.asText());
    }

    Duration duration(String path, JsonNode node, Duration min, Duration max) {
      Function<Duration, String> show = Duration::toString;
      if (node == null || !node.isTextual()) {
        error(
            path, node == null ? "missing" : "must be an ISO-8601 duration such as PT0.5S or P30D");
        return min;
      }
      try {
        Duration value = Duration.parse(node.asText());
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
          error(
              path,
              "must be from "
                  + show.apply(min)
                  + " to "
                  + show.apply(max)
                  + ", not "
                  + node.asText());
          return min;
        }
        return value;
      } catch (DateTimeParseException e) {
        error(path, "'" + node.asText() + "' is not an ISO-8601 duration such as PT0.5S or P30D");
        return min;
      }
    }
  }
}
